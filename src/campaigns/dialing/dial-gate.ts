/**
 * Whether a campaign's engine may dial now. Several things stop it, each for
 * as long as it lasts: the runner is still starting (a takeover adopting a
 * lost engine's calls), the campaign is not running (paused by a supervisor),
 * its lease is lost (another engine may own it), storage is unreachable (no
 * attempt can be written before its originate), the engine is draining.
 * Dialing resumes when the last of them ends, and never while one holds.
 *
 * The gate exists from the moment the lease is taken, before the engine it
 * drives: the lease is kept from then on, and a loss during a long adoption
 * must still hold the engine once it starts.
 */
export type DialHold = 'starting' | 'campaign-not-running' | 'lease-lost' | 'storage-unreachable' | 'draining';

export interface Dialer {
  stopDialing(): void;
  resumeDialing(): void;
}

export class DialGate {
  private readonly holds = new Set<DialHold>(['starting']);
  private dialer?: Dialer;

  hold(why: DialHold): void {
    this.holds.add(why);
    this.dialer?.stopDialing();
  }

  release(why: DialHold): void {
    if (!this.holds.delete(why) || this.holds.size > 0) return;
    this.dialer?.resumeDialing();
  }

  /** The engine is ready: it dials from now on, unless something that came meanwhile holds it. */
  started(dialer: Dialer): void {
    this.dialer = dialer;
    this.holds.delete('starting');
    if (this.holds.size > 0) dialer.stopDialing();
    else dialer.resumeDialing();
  }

  /** What stops dialing now, if anything. */
  get held(): readonly DialHold[] {
    return [...this.holds];
  }
}
