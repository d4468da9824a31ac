/**
 * Storage (PostgreSQL) unreachable, as one engine process sees it. No dial
 * without its attempt durably written: the first write that fails for want of
 * the server pauses dialing at once; the calls in progress go on, and what
 * they must store waits (stored-attempts.ts queues it) until a probe finds
 * the server again. Said once per change of state, never once per failure.
 */
import type { Logger } from 'pino';
import type { Db } from '../../storage/db.js';
import { isStorageUnreachable } from '../../storage/errors.js';
import type { DialGate } from './dial-gate.js';

export interface StorageOutageOptions {
  readonly db: Db;
  readonly logger: Logger;
  /** Told when storage is lost (true) and when it is back (false): see pauseDialing. */
  readonly changed?: (down: boolean, outage: StorageOutage) => void;
  /** Between probes while storage is down. */
  readonly probeMs?: number;
}

const DEFAULT_PROBE_MS = 1000;

export class StorageOutage {
  private back?: Promise<void>;
  private since = 0;

  constructor(private readonly o: StorageOutageOptions) {}

  get down(): boolean {
    return this.back !== undefined;
  }

  /**
   * A write or a read failed: true when it failed for want of the server (the
   * outage is then known, and probed until it ends); false for any other error,
   * which is the caller's to report.
   */
  failed(error: unknown): boolean {
    if (!isStorageUnreachable(error)) return false;
    if (!this.back) {
      this.since = Date.now();
      this.o.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'storage unreachable: dialing paused; calls in progress go on and what they must store is queued');
      this.back = this.probe();
      this.o.changed?.(true, this);
    }
    return true;
  }

  /** Resolves at once when storage is up, else when a probe finds it again. */
  whenBack(): Promise<void> {
    return this.back ?? Promise.resolve();
  }

  private async probe(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, this.o.probeMs ?? DEFAULT_PROBE_MS));
      const reached = await this.o.db.query('SELECT 1').then(
        () => true,
        () => false,
      );
      if (reached) break;
    }
    this.o.logger.info({ downMs: Date.now() - this.since }, 'storage reachable again: writing what was queued');
    this.back = undefined;
    this.o.changed?.(false, this);
  }
}

/**
 * A runner's `changed`: dialing is held while storage is away, and released
 * once what waited for storage is written (`replayed`), unless storage went
 * away again meanwhile.
 */
export function pauseDialing(gate: DialGate, replayed: () => Promise<void>): (down: boolean, outage: StorageOutage) => void {
  return (down, outage) => {
    if (down) return gate.hold('storage-unreachable');
    void replayed().then(() => outage.down || gate.release('storage-unreachable'));
  };
}
