/**
 * Refuses a client for a while after too many failed authentications, so keys
 * cannot be guessed at speed. Counts per client address in a fixed window.
 */
import type { DurationMs, EpochMs } from '../domain/time.js';
import type { Clock } from '../engine/scheduler.js';

export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; windowStart: EpochMs }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxFailures = 10,
    private readonly window: DurationMs = 60_000,
  ) {}

  /** Whether the client has used up its failures for this window. */
  blocked(client: string): boolean {
    const entry = this.current(client);
    return entry !== undefined && entry.count >= this.maxFailures;
  }

  recordFailure(client: string): void {
    const entry = this.current(client) ?? { count: 0, windowStart: this.clock.now() };
    entry.count += 1;
    this.failures.set(client, entry);
  }

  private current(client: string) {
    const entry = this.failures.get(client);
    if (entry && this.clock.now() - entry.windowStart >= this.window) {
      this.failures.delete(client);
      return undefined;
    }
    return entry;
  }
}
