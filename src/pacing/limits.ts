/**
 * The limits every tick honours, whatever a policy proposes or a setting
 * says: no trunk, no calls; no agents, no calls; lines per agent; lines per
 * campaign; the trunk's free lines and calls per second; the leads there are.
 */
import { HARD_LIMITS, type PacingSettings } from './settings.js';
import type { PacingSnapshot, SnapshotCounts } from './snapshot.js';

export type LimitName =
  | 'trunk-down'
  | 'no-active-agents'
  | 'lines-per-agent'
  | 'campaign-lines'
  | 'trunk-lines'
  | 'trunk-calls-per-second'
  | 'hopper-empty';

export interface DialAllowance {
  readonly max: number;
  /** The limit that set `max`. */
  readonly limitedBy: LimitName;
}

export function dialAllowance(settings: PacingSettings, snapshot: PacingSnapshot, counts: SnapshotCounts): DialAllowance {
  if (!snapshot.capacity.trunkUp) return { max: 0, limitedBy: 'trunk-down' };
  if (counts.active === 0) return { max: 0, limitedBy: 'no-active-agents' };
  const linesPerAgent = Math.min(settings.maxLinesPerAgent, HARD_LIMITS.maxLinesPerAgent);
  const candidates: [LimitName, number][] = [
    ['lines-per-agent', Math.floor(linesPerAgent * counts.active) - counts.ringing - counts.waiting],
    ['campaign-lines', settings.maxConcurrentLines - counts.callsInFlight],
    ['trunk-lines', snapshot.capacity.trunkLinesFree],
    ['trunk-calls-per-second', snapshot.capacity.trunkCallsAllowedNow],
    ['hopper-empty', snapshot.capacity.leadsAvailable],
  ];
  let best = candidates[0]!;
  for (const c of candidates) if (c[1] < best[1]) best = c;
  return { max: Math.max(0, Math.floor(best[1])), limitedBy: best[0] };
}
