/** Milliseconds since the Unix epoch. Every time in outpace is one of these. */
export type EpochMs = number;
/** A length of time in milliseconds. */
export type DurationMs = number;

export const SECOND: DurationMs = 1000;
export const MINUTE: DurationMs = 60 * SECOND;
export const HOUR: DurationMs = 60 * MINUTE;
export const DAY: DurationMs = 24 * HOUR;
