/**
 * A trunk's two limits: lines in use, and call attempts per second. The
 * second is kept over a sliding window (the last calls' start times), not a
 * token bucket: a bucket holding one second's worth still lets a full bucket
 * and its refill through within one second when the engine paces more often
 * than once a second, and the carrier counts any second. A fractional rate
 * above 1 is rounded down (2.5 calls/s allows 2 in any second); below 1 it is
 * one call per 1/rate seconds.
 */
import type { TrunkSettings } from '../pacing/settings.js';
import { TrunkId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { TelephonyPort, TrunkCapacity } from '../telephony/port.js';

/** The sliding window a calls-per-second rate means: so many starts within so many ms. */
export function startWindow(rate: number): { readonly startsPerWindow: number; readonly windowMs: number } {
  return rate >= 1 ? { startsPerWindow: Math.floor(rate), windowMs: 1000 } : { startsPerWindow: 1, windowMs: 1000 / rate };
}

export class TrunkLimiter {
  private readonly perWindow: number;
  private readonly windowMs: number;
  /** The start times of the last `perWindow` calls, oldest at `oldest`: a ring. */
  private readonly starts: EpochMs[];
  private oldest = 0;
  private linesInUse = 0;
  /** Why the trunk cannot carry calls now (the PBX finds its carrier unreachable); undefined while it can. */
  down: string | undefined;

  constructor(private readonly trunk: TrunkSettings) {
    const window = startWindow(trunk.maxCallsPerSecond);
    this.perWindow = window.startsPerWindow;
    this.windowMs = window.windowMs;
    this.starts = new Array<EpochMs>(this.perWindow).fill(-Infinity);
  }

  get id(): string {
    return this.trunk.id;
  }

  /** Lines this limiter counts in use. */
  get lines(): number {
    return this.linesInUse;
  }

  /** None while the trunk is down: its lines are not counted. */
  linesFree(): number {
    if (this.down !== undefined) return 0;
    return Math.max(0, this.trunk.maxLines - this.linesInUse);
  }

  /** Calls that may start now: the window's allowance less the calls started within the last window. */
  callsAllowedNow(now: EpochMs): number {
    let allowed = 0;
    while (allowed < this.perWindow && this.starts[(this.oldest + allowed) % this.perWindow]! <= now - this.windowMs) allowed++;
    return allowed;
  }

  /** A call starts using a line; the caller checked the allowance first. */
  seize(now: EpochMs): void {
    this.starts[this.oldest] = now;
    this.oldest = (this.oldest + 1) % this.perWindow;
    this.linesInUse++;
  }

  release(): void {
    this.linesInUse = Math.max(0, this.linesInUse - 1);
  }

  /** The campaign's own limits, within what the port says the PBXs' trunk carries now (several PBXs, other engines' calls), when it knows. */
  capacityOn(port: Pick<TelephonyPort, 'trunkCapacity'>, now: EpochMs): TrunkCapacity {
    const own = { linesFree: this.linesFree(), callsAllowedNow: this.callsAllowedNow(now) };
    const pbx = port.trunkCapacity?.(TrunkId(this.trunk.id), now);
    if (!pbx) return own;
    return { linesFree: Math.min(own.linesFree, pbx.linesFree), callsAllowedNow: Math.min(own.callsAllowedNow, pbx.callsAllowedNow) };
  }
}
