/**
 * What the far end of a dialed number does, in the words a test uses:
 * "busy", "answers after 4 s and talks 30 s", "is a machine". The test server
 * turns a script into the event sequence Asterisk 22 produced for it in the
 * recorded transcripts. Times are scripted (unscaled) milliseconds.
 */
import { CAUSES, type FarEndCause } from './causes.js';

/** Machine detection's verdict, as AMD() sets AMDSTATUS / AMDCAUSE. */
export interface DetectionVerdict {
  readonly status: 'HUMAN' | 'MACHINE' | 'NOTSURE';
  readonly cause: string;
  /** How long AMD() listens before deciding. */
  readonly afterMs: number;
}

export type CallScript =
  /**
   * Rings, answers, then the far end hangs up after `talkMs` (never, if
   * omitted). `greetingMs`: how long the far end speaks first (a machine's
   * greeting and beep), heard by TALK_DETECT.
   */
  | {
      readonly kind: 'answers';
      readonly ringMs: number;
      readonly talkMs?: number;
      readonly greetingMs?: number;
      readonly detection: DetectionVerdict;
    }
  /** Rings until the originate timeout runs out (transcript noanswer-timeout). */
  | { readonly kind: 'never-answers' }
  /** Rings for `ringMs`, then the far end refuses with `cause` (transcript noanswer; scheme-check busy after ringing). */
  | { readonly kind: 'refuses-after-ringing'; readonly ringMs: number; readonly cause: FarEndCause }
  /** Refuses at once (transcripts busy, congestion, unallocated; scheme-check 42000-46000). */
  | { readonly kind: 'refuses'; readonly cause: FarEndCause }
  /** Plays a "not in service" announcement as early media, then refuses (transcript intercept). */
  | { readonly kind: 'intercept'; readonly announcementMs: number };

const HUMAN_VERDICT: DetectionVerdict = { status: 'HUMAN', cause: 'HUMAN-803-800', afterMs: 800 };
const MACHINE_VERDICT: DetectionVerdict = { status: 'MACHINE', cause: 'LONGGREETING-1500-1500', afterMs: 2200 };

export const farEnd = {
  human: (o: { ringMs?: number; talkMs?: number } = {}): CallScript => ({
    kind: 'answers',
    ringMs: o.ringMs ?? 2000,
    ...(o.talkMs === undefined ? {} : { talkMs: o.talkMs }),
    detection: HUMAN_VERDICT,
  }),
  machine: (o: { ringMs?: number; talkMs?: number; greetingMs?: number; detectionMs?: number } = {}): CallScript => ({
    kind: 'answers',
    ringMs: o.ringMs ?? 2000,
    talkMs: o.talkMs ?? 300_000,
    greetingMs: o.greetingMs ?? 6000,
    detection: { ...MACHINE_VERDICT, afterMs: o.detectionMs ?? MACHINE_VERDICT.afterMs },
  }),
  neverAnswers: (): CallScript => ({ kind: 'never-answers' }),
  noAnswer: (ringMs = 10_000): CallScript => ({ kind: 'refuses-after-ringing', ringMs, cause: CAUSES.noAnswer }),
  busy: (): CallScript => ({ kind: 'refuses', cause: CAUSES.busy }),
  congestion: (): CallScript => ({ kind: 'refuses', cause: CAUSES.congestion }),
  unallocated: (): CallScript => ({ kind: 'refuses', cause: CAUSES.unallocated }),
  rejected: (): CallScript => ({ kind: 'refuses', cause: CAUSES.rejected }),
  intercept: (announcementMs = 5000): CallScript => ({ kind: 'intercept', announcementMs }),
};

/** Like the lab carrier's catch-all extension: a number nobody scripted does not exist. */
export const UNSCRIPTED_NUMBER: CallScript = farEnd.unallocated();
