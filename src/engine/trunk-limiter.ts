/**
 * A trunk's two limits: lines in use, and call attempts per second (a token
 * bucket holding at most one second's worth, so a burst never exceeds what
 * the carrier accepts in any second).
 */
import type { TrunkSettings } from '../pacing/settings.js';
import type { EpochMs } from '../domain/time.js';

export class TrunkLimiter {
  private tokens: number;
  private lastRefill: EpochMs | undefined;
  private linesInUse = 0;

  constructor(private readonly trunk: TrunkSettings) {
    this.tokens = trunk.maxCallsPerSecond;
  }

  get id(): string {
    return this.trunk.id;
  }

  linesFree(): number {
    return Math.max(0, this.trunk.maxLines - this.linesInUse);
  }

  callsAllowedNow(now: EpochMs): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  /** A call starts using a line and spends a token; the caller checked the allowance first. */
  seize(now: EpochMs): void {
    this.refill(now);
    this.tokens -= 1;
    this.linesInUse++;
  }

  release(): void {
    this.linesInUse = Math.max(0, this.linesInUse - 1);
  }

  private refill(now: EpochMs): void {
    if (this.lastRefill !== undefined) {
      const cap = Math.max(1, this.trunk.maxCallsPerSecond);
      this.tokens = Math.min(cap, this.tokens + ((now - this.lastRefill) / 1000) * this.trunk.maxCallsPerSecond);
    }
    this.lastRefill = now;
  }
}
