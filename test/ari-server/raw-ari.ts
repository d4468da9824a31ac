/**
 * A bare ARI client (fetch and a WebSocket) for driving the test server the
 * way the transcripts' recorder drove Asterisk, without outpace in between.
 */
import WebSocket from 'ws';

export type AriEvent = Record<string, unknown> & { type: string };

export class RawAri {
  readonly events: AriEvent[] = [];
  private waiters: Array<{ test: (e: AriEvent) => boolean; resolve: (e: AriEvent) => void }> = [];

  private constructor(
    private readonly url: string,
    private readonly auth: string,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data) => {
      const event = JSON.parse(String(data)) as AriEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => !(w.test(event) && (w.resolve(event), true)));
    });
  }

  static async connect(url: string, user: string, password: string, app: string): Promise<RawAri> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ari/events?app=${app}&api_key=${user}:${password}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new RawAri(url, `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, ws);
  }

  async request(method: string, path: string, query: Record<string, string | number> = {}): Promise<{ status: number; body: unknown }> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    const res = await fetch(`${this.url}/ari${path}${qs.size ? `?${qs}` : ''}`, { method, headers: { authorization: this.auth } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** The first event, already received or still to come, that passes `test`. */
  waitFor(test: (e: AriEvent) => boolean): Promise<AriEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  close(): void {
    this.ws.close();
  }
}

/** The channel an event is about (`channel`, or `peer` for Dial). */
export function channelIdOf(e: AriEvent): string | undefined {
  const ch = (e['channel'] ?? e['peer']) as { id?: string } | undefined;
  return ch?.id;
}
