/**
 * Asterisk sends an application the same event once per subscription that
 * brings it: an application subscribed to a trunk's endpoint (trunk-events.ts,
 * to hear calls from their creation) hears each event of a channel that is
 * also in the application twice, byte for byte: Dial, ChannelStateChange,
 * ChannelVarset, PlaybackStarted, ChannelDtmfReceived, ChannelDestroyed, ...
 * (measured on Asterisk 22.10.1 in the real-PBX lab; StasisStart and
 * StasisEnd come once). A key pressed once must count once, so the copies
 * are dropped here, before anything reads them. They follow each other
 * closely: remembering the last few events is enough.
 */
export class RepeatedEvents {
  private readonly recent: string[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly remembered = 64) {}

  /** True for an event not among the last ones; false for a copy. */
  isNew(event: unknown): boolean {
    const key = JSON.stringify(event);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.recent.push(key);
    if (this.recent.length > this.remembered) this.seen.delete(this.recent.shift()!);
    return true;
  }
}
