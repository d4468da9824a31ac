/**
 * Each customer call's answer and bridge as Asterisk itself timed them: an
 * observer application subscribed to everything on the PBX (ARI's
 * `subscribeAll`) reads the events' own `timestamp`s, so the figures owe
 * nothing to when the engine's process got the CPU to read a response. The
 * customer's channel is Up when the far end answers, enters the engine's
 * application after the dialplan's recording (`[outpace-customer]`), and
 * hears the agent from ChannelEnteredBridge on.
 */
import WebSocket from 'ws';
import { z } from 'zod';

const event = z.object({
  type: z.string(),
  timestamp: z.string(),
  channel: z.object({ id: z.string(), state: z.string() }).optional(),
  dialplan_app: z.string().optional(),
});

export interface ChannelTimes {
  /** Asterisk's clock, ms since the epoch. */
  up?: number;
  /** Entered a Stasis application (ChannelDialplan: StasisStart goes to that application only). */
  application?: number;
  enteredBridge?: number;
}

export class AsteriskTimeline {
  /** By channel id (the engine names a customer's channel `<engine>-c-<attempt>`). */
  readonly byChannel = new Map<string, ChannelTimes>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.heard(String(data)));
  }

  static async open(ari: { url: string; username: string; password: string }, app = `bench-observer-${process.pid}`): Promise<AsteriskTimeline> {
    const url = new URL('ari/events', ari.url.endsWith('/') ? ari.url : `${ari.url}/`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = new URLSearchParams({ app, subscribeAll: 'true', api_key: `${ari.username}:${ari.password}` }).toString();
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new AsteriskTimeline(socket);
  }

  close(): void {
    this.socket.close();
  }

  private heard(text: string): void {
    const parsed = event.safeParse(JSON.parse(text));
    if (!parsed.success || !parsed.data.channel) return;
    const e = parsed.data;
    const at = Date.parse(e.timestamp);
    const times = this.byChannel.get(e.channel!.id) ?? {};
    this.byChannel.set(e.channel!.id, times);
    if (e.type === 'ChannelStateChange' && e.channel!.state === 'Up') times.up ??= at;
    if (e.type === 'ChannelDialplan' && e.dialplan_app === 'Stasis') times.application ??= at;
    if (e.type === 'ChannelEnteredBridge') times.enteredBridge ??= at;
  }
}
