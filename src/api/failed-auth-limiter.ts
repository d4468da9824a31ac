/**
 * Backs off clients that keep presenting wrong API keys: after too many
 * failures in a fixed window, further wrong keys get 429 with Retry-After.
 * Failures count per client address and key prefix (the first characters a
 * key shows), and per address with a higher ceiling, so one broken client
 * behind a shared proxy does not lock the others out. A valid key is never
 * refused: what makes keys unguessable is their 256 random bits, not this
 * limiter, which only keeps misconfigured clients and scanners visible and slow.
 */
import type { DurationMs, EpochMs } from '../domain/time.js';
import type { Clock } from '../engine/scheduler.js';

/** How many more failures one address may have, over all its key prefixes, than one prefix may. */
const ADDRESS_FACTOR = 10;

export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; windowStart: EpochMs }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxFailures = 10,
    private readonly window: DurationMs = 60_000,
  ) {}

  /** Seconds until the client may try another wrong key, or 0 when it may now. */
  retryAfterSeconds(address: string, keyPrefix: string): number {
    const limits: [string, number][] = [
      [`${address} ${keyPrefix}`, this.maxFailures],
      [address, this.maxFailures * ADDRESS_FACTOR],
    ];
    let wait = 0;
    for (const [bucket, max] of limits) {
      const entry = this.current(bucket);
      if (entry && entry.count >= max) wait = Math.max(wait, Math.ceil((entry.windowStart + this.window - this.clock.now()) / 1000));
    }
    return wait;
  }

  recordFailure(address: string, keyPrefix: string): void {
    for (const bucket of [`${address} ${keyPrefix}`, address]) {
      const entry = this.current(bucket) ?? { count: 0, windowStart: this.clock.now() };
      entry.count += 1;
      this.failures.set(bucket, entry);
    }
  }

  private current(bucket: string) {
    const entry = this.failures.get(bucket);
    if (entry && this.clock.now() - entry.windowStart >= this.window) {
      this.failures.delete(bucket);
      return undefined;
    }
    return entry;
  }
}
