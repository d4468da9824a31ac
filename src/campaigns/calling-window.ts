/**
 * When a lead may be called, in the lead's own local time: a window per day
 * of the week, and holidays on which nothing is dialed.
 */
import { z } from 'zod';

/** Day names in PostgreSQL's and JavaScript's order: extract(dow) and getDay() give 0 for Sunday. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time as HH:MM, such as 08:00');

export const dayWindowSchema = z
  .object({ start: clockTime, end: clockTime })
  .strict()
  .refine((w) => w.start < w.end, { message: 'start must be before end (windows do not cross midnight)' });

const weekSchema = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, dayWindowSchema.nullable()])) as Record<Weekday, z.ZodNullable<typeof dayWindowSchema>>)
  .strict();
const holidaysSchema = z.array(z.iso.date());

export const callingWindowSchema = z
  .object({
    /** null: no calls that day. */
    days: weekSchema,
    /** Local dates (YYYY-MM-DD) on which nothing is dialed. */
    holidays: holidaysSchema.default([]),
  })
  .strict();
export type CallingWindow = z.infer<typeof callingWindowSchema>;

/** A campaign's change to its profile's window: only the days it names (one day, such as a shorter Saturday), and holidays if given. */
export const callingWindowOverrideSchema = z.object({ days: weekSchema.partial().optional(), holidays: holidaysSchema.optional() }).strict();
export type CallingWindowOverride = z.infer<typeof callingWindowOverrideSchema>;

/** The window with a campaign's override on top: its days replace the profile's, the others stay. */
export function overrideWindow(window: CallingWindow, override: CallingWindowOverride | undefined): CallingWindow {
  if (!override) return window;
  const days = { ...window.days };
  for (const day of WEEKDAYS) if (override.days?.[day] !== undefined) days[day] = override.days[day];
  return { days, holidays: override.holidays ?? window.holidays };
}

/** The same window every day of the week. */
export function everyDay(start: string, end: string): CallingWindow {
  const day = { start, end };
  return { days: { sun: day, mon: day, tue: day, wed: day, thu: day, fri: day, sat: day }, holidays: [] };
}

/**
 * The window as three arrays for a SQL query: starts and ends indexed by day of
 * week (NULL for a closed day), and the holidays.
 */
export function callingWindowParams(window: CallingWindow): { starts: (string | null)[]; ends: (string | null)[]; holidays: string[] } {
  return {
    starts: WEEKDAYS.map((d) => window.days[d]?.start ?? null),
    ends: WEEKDAYS.map((d) => window.days[d]?.end ?? null),
    holidays: window.holidays,
  };
}
