/**
 * Whether a campaign's engine may dial now. Several things stop it, each for
 * as long as it lasts: the campaign is not running (paused by a supervisor),
 * its lease is lost (another engine may own it), storage is unreachable (no
 * attempt can be written before its originate), the engine is draining.
 * Dialing resumes when the last of them ends, and never while one holds.
 */
export type DialHold = 'campaign-not-running' | 'lease-lost' | 'storage-unreachable' | 'draining';

export interface Dialer {
  stopDialing(): void;
  resumeDialing(): void;
}

export class DialGate {
  private readonly holds = new Set<DialHold>();

  constructor(private readonly dialer: Dialer) {}

  hold(why: DialHold): void {
    this.holds.add(why);
    this.dialer.stopDialing();
  }

  release(why: DialHold): void {
    if (!this.holds.delete(why) || this.holds.size > 0) return;
    this.dialer.resumeDialing();
  }

  /** What stops dialing now, if anything. */
  get held(): readonly DialHold[] {
    return [...this.holds];
  }
}
