/**
 * Pacing of a broadcast campaign: no agents, so the only bounds are the
 * trunk's lines and calls per second, the calling window, and an optional
 * target end time. With a target, calls are spread evenly so that the list
 * ends on time instead of flooding the trunk (and the agents behind key 1)
 * in the first minutes; when even full speed cannot meet the target, the
 * projection says so at once, not at the deadline.
 *
 * No I/O: the engine passes the snapshot and carries out the decision; the
 * only state is the spread's credit of calls, advanced by the given clock.
 */
import type { DurationMs, EpochMs } from '../domain/time.js';

export interface BroadcastSnapshot {
  readonly now: EpochMs;
  /** Leads still to dial, retries due before the deadline included. */
  readonly leadsLeft: number;
  readonly linesInUse: number;
  /** The smaller of the trunk's lines and the campaign's concurrent-line cap. */
  readonly maxLines: number;
  readonly maxCallsPerSecond: number;
  /** What the trunk's calls-per-second bucket allows at this instant. */
  readonly callsAllowedNow: number;
  /** When the leads' calling window closes (the earliest of them); null while it is closed. */
  readonly windowClosesAt: EpochMs | null;
  /** "Finish this list by 18:00". */
  readonly targetEndAt?: EpochMs | undefined;
  /** How long a call holds a line, ring and message together: measured, or a prior at start. */
  readonly meanLineHoldMs: DurationMs;
}

export interface FinishProjection {
  /** When the last call would end at full speed (lines and calls per second), from now. */
  readonly projectedEndAt: EpochMs;
  /** The time the list must end by: the target, or the window's close when that comes first. */
  readonly deadline: EpochMs | null;
  readonly onTime: boolean;
  /** For the campaign manager, when the target cannot be met. */
  readonly warning?: string;
}

export interface BroadcastDecision {
  readonly launch: number;
  readonly bound: 'window-closed' | 'no-leads' | 'lines' | 'calls-per-second' | 'spread' | 'leads';
  readonly finish: FinishProjection;
}

/** The fastest the campaign can dial, in calls per second: each line turns over once per holding time. */
export function fullSpeedCallsPerSecond(s: Pick<BroadcastSnapshot, 'maxLines' | 'maxCallsPerSecond' | 'meanLineHoldMs'>): number {
  return Math.min(s.maxCallsPerSecond, s.maxLines / Math.max(1, s.meanLineHoldMs / 1000));
}

export function projectFinish(s: BroadcastSnapshot): FinishProjection {
  const rate = fullSpeedCallsPerSecond(s);
  const projectedEndAt = s.now + (s.leadsLeft / rate) * 1000 + s.meanLineHoldMs;
  const deadline = deadlineOf(s);
  if (deadline === null || projectedEndAt <= deadline) return { projectedEndAt, deadline, onTime: true };
  const cause =
    s.targetEndAt !== undefined && deadline < s.targetEndAt
      ? `the calling window closes at ${iso(deadline)}, before the target ${iso(s.targetEndAt)}`
      : `the target is ${iso(deadline)}`;
  return {
    projectedEndAt,
    deadline,
    onTime: false,
    warning:
      `${s.leadsLeft} leads at full speed (${rate.toFixed(1)} calls/s: ${s.maxLines} lines, ${s.maxCallsPerSecond} calls/s) end at ${iso(projectedEndAt)}, ` +
      `but ${cause}: add lines, raise the calls per second, or move the target.`,
  };
}

export class BroadcastPacer {
  /** Calls the spread allows but not yet launched; capped at one second's worth so a pause is not made up in a burst. */
  private credit = 0;
  private lastAt: EpochMs | undefined;

  decide(s: BroadcastSnapshot): BroadcastDecision {
    const finish = projectFinish(s);
    const elapsedMs = this.lastAt === undefined ? 1000 : Math.max(0, s.now - this.lastAt);
    this.lastAt = s.now;
    if (s.windowClosesAt === null) return { launch: 0, bound: 'window-closed', finish };
    if (s.leadsLeft <= 0) return { launch: 0, bound: 'no-leads', finish };

    const bounds: Array<[BroadcastDecision['bound'], number]> = [
      ['leads', s.leadsLeft],
      ['lines', Math.max(0, s.maxLines - s.linesInUse)],
      ['calls-per-second', Math.max(0, Math.floor(s.callsAllowedNow))],
    ];
    const rate = spreadRate(s, finish);
    if (rate !== undefined) {
      this.credit = Math.min(Math.max(1, rate), this.credit + (rate * elapsedMs) / 1000);
      bounds.push(['spread', Math.floor(this.credit)]);
    }
    const [bound, launch] = bounds.reduce((min, b) => (b[1] < min[1] ? b : min));
    if (rate !== undefined) this.credit -= launch;
    return { launch, bound, finish };
  }
}

/**
 * Calls per second that end the list on time: the leads over the time left,
 * less two holding times. One, so that the last calls also end by the
 * deadline; another as slack, because a rate recomputed every second from
 * what is left only approaches its end point, and a few slow seconds would
 * otherwise push the last calls past it. None when there is no deadline or it
 * cannot be met (then the campaign runs at full speed).
 */
function spreadRate(s: BroadcastSnapshot, finish: FinishProjection): number | undefined {
  if (s.targetEndAt === undefined || finish.deadline === null || !finish.onTime) return undefined;
  const dialingMs = finish.deadline - s.now - 2 * s.meanLineHoldMs;
  if (dialingMs <= 0) return undefined;
  return s.leadsLeft / (dialingMs / 1000);
}

/** Without a target the window's close is no deadline to spread over: the rest waits for the next window. */
function deadlineOf(s: BroadcastSnapshot): EpochMs | null {
  if (s.targetEndAt === undefined) return null;
  return s.windowClosesAt === null ? s.targetEndAt : Math.min(s.targetEndAt, s.windowClosesAt);
}

function iso(t: EpochMs): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
