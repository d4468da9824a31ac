/**
 * A customer's calling window as it stands at a moment, read in their own
 * time zones (a lead of an area that spans zones may be called only while
 * the window is open in all of them): what the agent's screen shows, and
 * what a transfer to a number or a callback's time is checked against. The
 * hopper's SQL applies the same window to the leads it claims.
 */
import type { EpochMs } from '../domain/time.js';
import { WEEKDAYS, type CallingWindow, type Weekday } from './calling-window.js';

export interface LocalMoment {
  readonly timeZone: string;
  /** YYYY-MM-DD, local. */
  readonly date: string;
  readonly weekday: Weekday;
  /** HH:MM, local. */
  readonly time: string;
}

export interface WindowAt {
  readonly open: boolean;
  /** The moment in each of the customer's zones, the first one theirs. */
  readonly local: readonly LocalMoment[];
  /** That day's window in the first zone (null: closed all day, or a holiday). */
  readonly today: { readonly start: string; readonly end: string } | null;
}

const formats = new Map<string, Intl.DateTimeFormat>();

export function localMoment(at: EpochMs, timeZone: string): LocalMoment {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formats.set(timeZone, format);
  }
  const part = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const weekday = WEEKDAYS.find((d) => d === String(part['weekday']).toLowerCase().slice(0, 3))!;
  return { timeZone, date: `${part['year']}-${part['month']}-${part['day']}`, weekday, time: `${part['hour']}:${part['minute']}` };
}

/** The window's day, or null when the day is closed or a holiday. */
function dayWindow(window: CallingWindow, moment: LocalMoment): { start: string; end: string } | null {
  if (window.holidays.includes(moment.date)) return null;
  return window.days[moment.weekday];
}

/** Whether the window is open at `at` in every one of the zones (HH:MM compares as text). */
export function windowAt(window: CallingWindow, timeZones: readonly string[], at: EpochMs): WindowAt {
  const local = timeZones.map((zone) => localMoment(at, zone));
  const open = local.every((m) => {
    const day = dayWindow(window, m);
    return day !== null && m.time >= day.start && m.time < day.end;
  });
  return { open, local, today: dayWindow(window, local[0]!) };
}
