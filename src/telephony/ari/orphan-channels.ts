/**
 * Channels outpace gave up on before Asterisk confirmed them: an originate
 * whose request timed out may still be carried out later. If such a channel
 * shows up, it is hung up at once, so that no customer's phone rings for a
 * call nobody tracks. Entries are forgotten once the channel is gone, or
 * after a while if it never appears.
 */
const FORGET_AFTER_MS = 10 * 60_000;

export class OrphanChannels {
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly hangup: (channelId: string) => void) {}

  add(channelId: string): void {
    const timer = setTimeout(() => this.pending.delete(channelId), FORGET_AFTER_MS);
    timer.unref();
    this.pending.set(channelId, timer);
  }

  /** An event about a channel no call owns: hang it up if it is an orphan. Returns whether it was. */
  seen(channelId: string): boolean {
    if (!this.pending.has(channelId)) return false;
    this.hangup(channelId);
    return true;
  }

  gone(channelId: string): void {
    clearTimeout(this.pending.get(channelId));
    this.pending.delete(channelId);
  }

  clear(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
