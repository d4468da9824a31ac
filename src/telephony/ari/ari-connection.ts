/**
 * The connection to Asterisk through ari-client: the REST operations the
 * adapter uses (a narrow interface, so the adapter does not depend on
 * ari-client's resource objects) and the application's event stream, which
 * ari-client re-opens with backoff when it drops.
 */
import type { EventEmitter } from 'node:events';
import ari from 'ari-client';
import type { Logger } from 'pino';
import { z } from 'zod';
import { describeError } from './ari-errors.js';
import { ARI_EVENT_TYPES } from './ari-events.js';
import { RepeatedEvents } from './repeated-events.js';

export interface OriginateParams {
  readonly endpoint: string;
  readonly channelId: string;
  /**
   * Where the answered channel goes: into this Stasis application with these
   * arguments, or into a dialplan context (extension s), which enters it
   * itself and can fall back when no engine listens.
   */
  readonly answeredInto: { readonly appArgs: string } | { readonly context: string };
  readonly callerId?: string;
  readonly timeoutSec: number;
  readonly variables: Record<string, string>;
}

/**
 * A snoop's direction, as ARI names it from the snooped channel's side: `in`
 * is what its endpoint sends (the agent's voice, on the agent's channel),
 * `out` what is sent to it (what the agent hears), `both` the two.
 */
export type SnoopDirection = 'none' | 'in' | 'out' | 'both';

export interface AriRest {
  originate(p: OriginateParams): Promise<void>;
  hangup(channelId: string): Promise<void>;
  answer(channelId: string): Promise<void>;
  setChannelVar(channelId: string, variable: string, value: string): Promise<void>;
  continueInDialplan(channelId: string, context: string): Promise<void>;
  play(channelId: string, media: string, playbackId: string): Promise<void>;
  /** Several media in one playback, numbers and digits spoken in `lang`. */
  playMedia(channelId: string, media: readonly string[], playbackId: string, lang: string): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  /** A snoop channel on `channelId` into the application: what it hears of the channel (spy) and where what it says goes (whisper). */
  snoop(channelId: string, snoopId: string, appArgs: string, audio?: { spy: SnoopDirection; whisper: SnoopDirection }): Promise<void>;
  recordChannel(channelId: string, name: string): Promise<void>;
  createBridge(bridgeId: string, name: string): Promise<void>;
  /** Several channels join in one request, so that two parties meet at once. */
  addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  removeFromBridge(bridgeId: string, channelId: string): Promise<void>;
  /** Music on hold to a channel out of any bridge (the customer on hold), and its end. */
  startMoh(channelId: string): Promise<void>;
  stopMoh(channelId: string): Promise<void>;
  /** Mutes what the channel sends (direction in: what the agent says no longer reaches the bridge). */
  mute(channelId: string): Promise<void>;
  unmute(channelId: string): Promise<void>;
  /** Sends DTMF out on the channel (to an IVR on the far side). */
  sendDtmf(channelId: string, digits: string): Promise<void>;
  recordBridge(bridgeId: string, name: string): Promise<void>;
  stopRecording(name: string): Promise<void>;
  /** Whether ARI holds a stored recording of that name (GET /recordings/stored/{name}). */
  storedRecording(name: string): Promise<boolean>;
  /** The channels that exist now. */
  listChannels(): Promise<ChannelSummary[]>;
  /** A global variable's value, or a dialplan function's read without a channel (`DB_DELETE(family/key)`); '' when unset. */
  globalVar(variable: string): Promise<string>;
  /** A channel variable's value; undefined when the channel does not have it. */
  channelVar(channelId: string, variable: string): Promise<string | undefined>;
  /** The bridges that exist now. */
  listBridges(): Promise<BridgeSummary[]>;
  /** GET /endpoints/{tech}/{resource}, as Asterisk sends it: checked by the caller. */
  getEndpoint(tech: string, resource: string): Promise<unknown>;
  /** Subscribes the application to an event source, such as `endpoint:PJSIP/alice` (EndpointStateChange). */
  subscribe(eventSource: string): Promise<unknown>;
}

export interface ChannelSummary {
  readonly id: string;
  readonly state: string;
  /** The dialplan application running: `Stasis` while the channel is in an ARI application. */
  readonly appName: string;
  /**
   * The variables ari.conf's `channelvars` names, as Asterisk lists them with
   * the channel (unset ones as ""); empty where ari.conf names none.
   */
  readonly variables: Readonly<Record<string, string>>;
}

/** A listed channel's `channelvars`: absent where ari.conf names none. */
const listedVariables = z
  .record(z.string(), z.string())
  .optional()
  .transform((vars) => vars ?? {});

export interface BridgeSummary {
  readonly id: string;
  /** The channels in the bridge. */
  readonly channels: readonly string[];
}

export interface AriConnection {
  readonly rest: AriRest;
  close(): void;
}

export interface AriConnectionOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly app: string;
  /** The application is a lost engine's, served here on purpose: Asterisk still knowing it is expected. */
  readonly takingOver?: boolean;
  readonly logger: Logger;
  readonly onEvent: (event: unknown) => void;
  /** The event stream came back after a drop: events in between are lost, so state must be reconciled. */
  readonly onReconnected: () => void;
  /** The event stream dropped (told again at each failed try to reopen it): a caller may count the PBX as out of reach if it stays so. */
  readonly onDropped?: () => void;
}

/**
 * ari-client parses each message of the event socket with no guard: one it
 * cannot place (not JSON, not an object, no type, a type Asterisk's models do
 * not list, a resource it cannot build) throws in the socket's handler, and
 * the process dies. Asterisk should never send such a message; if it does,
 * it is logged and dropped, and the stream goes on. Wrapped on each new
 * socket (ari-client opens one per reconnection, as `_ws`).
 */
function guardMessages(client: unknown, logger: Logger): void {
  const ws = (client as { _ws?: EventEmitter })._ws;
  if (!ws || guardedSockets.has(ws)) return;
  guardedSockets.add(ws);
  for (const listener of ws.listeners('message') as ((...args: unknown[]) => void)[]) {
    ws.off('message', listener);
    ws.on('message', (...args: unknown[]) => {
      try {
        listener(...args);
      } catch (err) {
        logger.warn({ err: err instanceof Error ? err.message : String(err), message: String(args[0]).slice(0, 200) }, 'ARI message not understood; ignored');
      }
    });
  }
}

const guardedSockets = new WeakSet<object>();

/** How long to wait before starting over once ari-client gives up reconnecting. */
const RESTART_AFTER_GIVING_UP_MS = 5000;

/** Recorded with every call so a reader can tell which settings Asterisk got. */
const RECORDING_FORMAT = { format: 'wav', ifExists: 'overwrite', beep: false, terminateOn: 'none' } as const;

export async function connectAri(o: AriConnectionOptions): Promise<AriConnection> {
  await checkCredentials(o);
  if (!o.takingOver) await warnIfApplicationServed(o);
  quietSwaggerClient(o.logger);
  const client = await ari.connect(o.url, o.username, o.password);
  // ari-client is an EventEmitter of every ARI event type; its typings list them one overload at a time.
  const events = client as unknown as EventEmitter;
  const repeated = new RepeatedEvents();
  for (const type of ARI_EVENT_TYPES) events.on(type, (event: unknown) => repeated.isNew(event) && o.onEvent(event));

  let opened = false;
  let closed = false;
  events.on('WebSocketConnected', () => {
    guardMessages(client, o.logger);
    if (opened) {
      o.logger.warn('ARI event stream is back: reconciling calls with Asterisk');
      o.onReconnected();
    }
    opened = true;
  });
  events.on('WebSocketReconnecting', (err: Error | undefined) => {
    o.logger.warn({ err: err?.message }, 'ARI event stream dropped: reconnecting');
    o.onDropped?.();
  });
  events.on('WebSocketMaxRetries', () => {
    o.logger.error(`ARI event stream: reconnection attempts exhausted; starting over in ${RESTART_AFTER_GIVING_UP_MS} ms`);
    setTimeout(() => {
      if (!closed) client.start(o.app).catch(() => undefined);
    }, RESTART_AFTER_GIVING_UP_MS);
  });
  await client.start(o.app);
  o.logger.info({ url: o.url, app: o.app }, 'connected to Asterisk ARI');

  const c = client as unknown as LooseClient;
  const rest: AriRest = {
    originate: (p) =>
      c.channels.originate({
        endpoint: p.endpoint,
        ...('context' in p.answeredInto ? { context: p.answeredInto.context, extension: 's', priority: 1 } : { app: o.app, appArgs: p.answeredInto.appArgs }),
        channelId: p.channelId,
        timeout: p.timeoutSec,
        variables: p.variables,
        ...(p.callerId ? { callerId: p.callerId } : {}),
      }),
    hangup: (channelId) => c.channels.hangup({ channelId }),
    answer: (channelId) => c.channels.answer({ channelId }),
    setChannelVar: (channelId, variable, value) => c.channels.setChannelVar({ channelId, variable, value }),
    continueInDialplan: (channelId, context) => c.channels.continueInDialplan({ channelId, context, extension: 's', priority: 1 }),
    play: (channelId, media, playbackId) => c.channels.play({ channelId, media, playbackId }),
    // ARI's media parameter takes a comma-separated list (allowMultiple); no media URI outpace builds contains a comma.
    playMedia: (channelId, media, playbackId, lang) => c.channels.play({ channelId, media: media.join(','), playbackId, lang }),
    stopPlayback: (playbackId) => c.playbacks.stop({ playbackId }),
    snoop: (channelId, snoopId, appArgs, audio = { spy: 'in', whisper: 'none' }) => c.channels.snoopChannel({ channelId, snoopId, app: o.app, appArgs, ...audio }),
    recordChannel: (channelId, name) => c.channels.record({ channelId, name, ...RECORDING_FORMAT }),
    createBridge: (bridgeId, name) => c.bridges.create({ bridgeId, name, type: 'mixing' }),
    // The customer's phone is not told the agent's name, nor the agent's the customer's number (the agent's screen shows it):
    // no connected-line UPDATE or re-INVITE to either party as they meet.
    addToBridge: (bridgeId, channelIds) => c.bridges.addChannel({ bridgeId, channel: channelIds.join(','), inhibitConnectedLineUpdates: true }),
    destroyBridge: (bridgeId) => c.bridges.destroy({ bridgeId }),
    removeFromBridge: (bridgeId, channelId) => c.bridges.removeChannel({ bridgeId, channel: channelId }),
    startMoh: (channelId) => c.channels.startMoh({ channelId }),
    stopMoh: (channelId) => c.channels.stopMoh({ channelId }),
    mute: (channelId) => c.channels.mute({ channelId, direction: 'in' }),
    unmute: (channelId) => c.channels.unmute({ channelId, direction: 'in' }),
    sendDtmf: (channelId, dtmf) => c.channels.sendDTMF({ channelId, dtmf }),
    recordBridge: (bridgeId, name) => c.bridges.record({ bridgeId, name, ...RECORDING_FORMAT }),
    stopRecording: (recordingName) => c.recordings.stop({ recordingName }),
    storedRecording: async (recordingName) => {
      try {
        await c.recordings.getStored({ recordingName });
        return true;
      } catch (err) {
        if (/recording not found/i.test(describeError(err))) return false;
        throw err;
      }
    },
    getEndpoint: (tech, resource) => c.endpoints.get({ tech, resource }),
    subscribe: (eventSource) => c.applications.subscribe({ applicationName: o.app, eventSource }),
    listBridges: async () => (await c.bridges.list()).map((b) => ({ id: b.id, channels: b.channels ?? [] })),
    globalVar: async (variable) => (await c.asterisk.getGlobalVar({ variable })).value,
    channelVar: async (channelId, variable) => {
      try {
        return (await c.channels.getChannelVar({ channelId, variable })).value;
      } catch (err) {
        // 404 "Provided variable was not found": the channel does not carry it.
        if (/variable was not found/i.test(describeError(err))) return undefined;
        throw err;
      }
    },
    listChannels: async () =>
      (await c.channels.list()).map((ch) => ({
        id: ch.id,
        state: ch.state,
        appName: ch.dialplan?.app_name ?? '',
        variables: listedVariables.parse((ch as { channelvars?: unknown }).channelvars),
      })),
  };
  return {
    rest,
    close: () => {
      closed = true;
      events.removeAllListeners();
      client.stop();
    },
  };
}

/**
 * ari-client retries a refused event stream for about a minute before it
 * gives up; asking once first turns a wrong address or password into an
 * immediate, clear error.
 */
async function checkCredentials(o: AriConnectionOptions): Promise<void> {
  const url = `${o.url.replace(/\/$/, '')}/ari/asterisk/info`;
  const authorization = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  let status: number;
  try {
    status = (await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(10_000) })).status;
  } catch (err) {
    throw new Error(`Asterisk's ARI does not answer at ${o.url} (${String(err)}): check ARI_URL, http.conf (enabled, bindaddr, bindport) and the network`);
  }
  if (status === 401) throw new Error(`ARI refused user "${o.username}": check ARI_USERNAME and ARI_PASSWORD against ari.conf`);
  if (status === 404) throw new Error(`no ARI at ${o.url}: check ARI_URL and that res_ari is loaded (ari.conf enabled = yes)`);
  if (status >= 400) throw new Error(`ARI at ${o.url} answered ${status} to a status check`);
}

/**
 * Asterisk serves each Stasis application on one WebSocket: a second
 * connection with the same name takes the events and the first goes deaf.
 * Each engine needs its own ARI_APP; say so loudly if another holds ours.
 */
async function warnIfApplicationServed(o: AriConnectionOptions): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  const url = `${o.url.replace(/\/$/, '')}/ari/applications/${encodeURIComponent(o.app)}`;
  const res = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  if (res?.status === 200) {
    o.logger.warn(
      { app: o.app },
      'ARI application already registered: if another engine is connected with this ARI_APP, Asterisk will send its events here from now on and it will go deaf; give each engine its own ARI_APP',
    );
  }
}

/**
 * ari-client builds its operations at run time from the resource
 * descriptions; @types/ari-client's signatures lag behind ARI 22 (no
 * bridgeId on create, no snoopId...), so the adapter calls them through this
 * loose shape and checks results where it reads them.
 */
type Operation = (params: Record<string, unknown>) => Promise<void>;
interface LooseClient {
  channels: Record<
    | 'originate'
    | 'hangup'
    | 'answer'
    | 'setChannelVar'
    | 'continueInDialplan'
    | 'play'
    | 'snoopChannel'
    | 'record'
    | 'startMoh'
    | 'stopMoh'
    | 'mute'
    | 'unmute'
    | 'sendDTMF',
    Operation
  > & {
    list(): Promise<Array<{ id: string; state: string; dialplan?: { app_name?: string } }>>;
    getChannelVar(params: { channelId: string; variable: string }): Promise<{ value: string }>;
  };
  bridges: Record<'create' | 'addChannel' | 'removeChannel' | 'destroy' | 'record', Operation> & { list(): Promise<Array<{ id: string; channels?: string[] }>> };
  recordings: Record<'stop' | 'getStored', Operation>;
  asterisk: { getGlobalVar(params: { variable: string }): Promise<{ value: string }> };
  endpoints: { get(params: { tech: string; resource: string }): Promise<unknown> };
  applications: { subscribe(params: { applicationName: string; eventSource: string }): Promise<unknown> };
  playbacks: Record<'stop', Operation>;
}

/**
 * swagger-client, inside ari-client, prints "This API is using a deprecated
 * version of Swagger!" through a global `log` function on every connect
 * (Asterisk serves Swagger 1.1 descriptions). Route it to debug instead.
 */
function quietSwaggerClient(logger: Logger): void {
  (globalThis as { log?: unknown }).log = (...args: unknown[]) => logger.debug({ swagger: args }, 'swagger-client');
}
