/**
 * Things the adapter waits to hear about a channel (a prompt finished, the
 * far end started or stopped talking), keyed `<channelId>-<what>`. Every wait
 * on a channel is released when its call ends, so nothing waits forever.
 */
export class ChannelWaits {
  private readonly waits = new Map<string, () => void>();

  /** Resolves when `release(key)` is called, or when the channel's call ends. */
  waitFor(channelId: string, what: string): Promise<void> {
    return new Promise<void>((resolve) => this.waits.set(`${channelId}-${what}`, resolve));
  }

  release(channelId: string, what: string): void {
    const key = `${channelId}-${what}`;
    this.waits.get(key)?.();
    this.waits.delete(key);
  }

  releaseAll(channelId: string): void {
    for (const [key, resolve] of [...this.waits]) {
      if (key.startsWith(`${channelId}-`)) {
        resolve();
        this.waits.delete(key);
      }
    }
  }

  forget(channelId: string, what: string): void {
    this.waits.delete(`${channelId}-${what}`);
  }
}

/** Whether `event` happened within `ms`. */
export async function within(event: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([event.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
