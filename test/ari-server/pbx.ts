/**
 * A simulated Asterisk 22 behind ARI: channels, bridges, recordings and
 * playbacks, and the far end of every dialed number following its script.
 * Every event sequence here follows a recorded transcript in
 * ../shared/asterisk-ari/transcripts/ (named beside each); where a sequence was
 * never recorded the comment says so.
 */
import { CAUSES, dialstatusFor, type FarEndCause } from './causes.js';
import { type CallScript, type DetectionVerdict, UNSCRIPTED_NUMBER } from './call-script.js';
import {
  SNOOP_DIRECTIONS,
  type SimBridge,
  type SimChannel,
  type SnoopDirection,
  type SimPlayback,
  type SimRecording,
  type StoredRecording,
  toneWav,
  bridgeJson,
  channelJson,
  newBridge,
  outgoingLine,
  ariTimestamp,
  playbackJson,
  recordingJson,
} from './models.js';

/** Audio paths loop (a snoop hears what it whispers): each side of a channel is walked once. */
function firstVisit(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

/** Whether a snoop direction includes `side`. */
function has(direction: SnoopDirection, side: 'in' | 'out'): boolean {
  return direction === 'both' || direction === side;
}

/** An ARI request refused, with the status and message Asterisk answers. */
export class AriRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PbxOptions {
  /** Real milliseconds per scripted millisecond: 0.01 makes a 4 s ring last 40 ms. */
  readonly timeScale: number;
  /** The dialplan context that runs AMD() and returns to Stasis (dialplan/outpace.conf). */
  readonly amdContext: string;
  /** The dialplan context answered customers enter: Stasis, or the abandon message when no engine listens (dialplan/outpace.conf). */
  readonly customerContext: string;
  /** The PJSIP endpoints that lead to the carrier, as in pjsip.conf. */
  readonly trunks: readonly string[];
  /** How long a played prompt lasts, in scripted ms. */
  readonly promptMs: number;
  /** ari.conf's `channelvars`: listed with every channel. */
  readonly channelvars: readonly string[];
  /** Whether a Stasis application has a WebSocket connected (Stasis() fails otherwise). */
  readonly appIsConnected: (app: string) => boolean;
  readonly emit: (app: string | undefined, type: string, fields: Record<string, unknown>) => void;
  /** Sends a message of the inter-PBX link to the other test server at `peer` (server.ts); its answer. */
  readonly toPeer: (peer: string, message: LinkMessage) => Promise<{ channelId?: string }>;
  /** This server's own address, as its peers know it. */
  readonly ownAddress: () => string;
}

/**
 * What two test servers tell each other for a call over the link between
 * them, standing for the SIP dialog: the INVITE (with its X- headers), the
 * 200 OK of the answer, and the BYE or final refusal with its cause.
 */
export type LinkMessage =
  | { readonly type: 'invite'; readonly from: string; readonly callId: string; readonly exten: string; readonly headers: Record<string, string>; readonly callerId: string | undefined }
  | { readonly type: 'answered'; readonly channelId: string }
  | { readonly type: 'hangup'; readonly channelId: string; readonly cause: number };

/** The dialplan context a call from another PBX of the site enters (dialplan/outpace.conf). */
export const FROM_PBX_CONTEXT = 'outpace-from-pbx';

export interface OriginateParams {
  readonly endpoint?: string | undefined;
  readonly app?: string | undefined;
  readonly appArgs?: string | undefined;
  readonly context?: string | undefined;
  readonly callerId?: string | undefined;
  readonly timeoutSec?: number | undefined;
  readonly channelId?: string | undefined;
  readonly variables?: Record<string, string> | undefined;
}

interface AgentPhone {
  readonly answerMs: number;
  /** A softphone that is not registered leaves its endpoint configured but offline. */
  registered: boolean;
}

/** Where a stock Asterisk keeps ARI's recordings (astspooldir/recording). */
const RECORDING_DIR = '/var/spool/asterisk/recording';
const TRUNK_ENDPOINT = /^PJSIP\/([^@]+)@(.+)$/;
const AGENT_ENDPOINT = /^PJSIP\/([^@/]+)$/;

export class SimPbx {
  readonly channels = new Map<string, SimChannel>();
  readonly bridges = new Map<string, SimBridge>();
  /** Music on hold per channel (POST/DELETE /channels/{id}/moh): playing since when, and how long it has played in all. */
  readonly musicOnHold = new Map<string, { since: number | undefined; playedMs: number }>();
  /** Channels whose own audio is muted (POST /channels/{id}/mute, direction in or both). */
  readonly mutedIn = new Set<string>();
  /** Digits sent out on each channel (POST /channels/{id}/dtmf): what the far end heard. */
  readonly dtmfSent = new Map<string, string>();
  readonly liveRecordings = new Map<string, SimRecording>();
  /**
   * Live recordings by target URI and snoop channels by the channel they
   * listen to: a hangup finds its own in one look-up instead of a walk of
   * every channel and recording (with 1,000 agents, thousands of each).
   */
  private readonly recordingsOn = new Map<string, Set<SimRecording>>();
  private readonly snoopsOn = new Map<string, Set<SimChannel>>();
  /** Finished recordings as Asterisk keeps them in its recordings folder; their sound is made when fetched (storedFile). */
  readonly storedRecordings = new Map<string, StoredRecording>();
  /** The causes the next channel recordings fail with (RecordingFailed instead of RecordingStarted). */
  private readonly pendingRecordingFailures: string[] = [];
  /** The files each channel's MixMonitor writes: they close, and their length is known, when the channel goes. */
  private readonly mixMonitorsOn = new Map<string, string[]>();
  private readonly playbacks = new Map<string, LivePlayback>();
  /** Each channel's playbacks in order: the first plays, the others wait. */
  private readonly playQueues = new Map<string, LivePlayback[]>();
  private readonly scripts = new Map<string, CallScript>();
  private readonly agentPhones = new Map<string, AgentPhone>();
  /** Inter-PBX link endpoints (pjsip.conf's link-endpoint) and the test server each leads to. */
  private readonly links = new Map<string, string>();
  /** Trunks whose carrier does not answer qualify: their endpoint is offline and calls on them cannot be made. */
  private readonly trunksDown = new Set<string>();
  /** Applications subscribed to each endpoint's state changes. */
  private readonly endpointWatchers = new Map<string, Set<string>>();
  private readonly bridgeApps = new Map<string, string | undefined>();
  private readonly pendingOriginateFailures: AriRequestError[] = [];
  private readonly pendingOriginateDelays: Array<{ ms: number; when: 'before' | 'after' }> = [];
  /** How long a new snoop channel takes to enter Stasis after the snoop request is answered (scripted ms). */
  private snoopStasisMs = 0;
  /** Media lasting other than promptMs, by the start of their URI. */
  private readonly mediaDurations = new Map<string, number>();
  private readonly pendingTimers = new Set<ReturnType<typeof setTimeout>>();
  private channelCounter = 0;
  /**
   * What a fault-injection run counts against the engine (not Asterisk's own
   * bookkeeping): channels hung up over ARI while they shared a bridge with
   * another party (a call dropped between a customer and an agent),
   * answered channels hung up because Stasis() found no application (a
   * person who answered into silence), and bridges that came to hold two
   * customers (an agent given a second customer while talking to one).
   */
  readonly faults = { droppedWhileBridged: 0, answeredIntoSilence: 0, twoCustomersInABridge: 0, abandonedByDialplan: 0 };
  /** AstDB (family/key -> value), as the dialplan's DB() writes it. */
  private readonly astDb = new Map<string, string>();
  /** The OUTPACE_ATTEMPT of every channel originated: the calls the PBX made, whatever storage says. */
  readonly originatedAttempts = new Set<string>();

  constructor(private readonly options: PbxOptions) {}

  // ---- what a test scripts --------------------------------------------------

  script(number: string, script: CallScript): void {
    this.scripts.set(number, script);
  }

  /** A softphone registered on `PJSIP/<resource>` that auto-answers after `answerMs` (Infinity: rings until the originate times out). */
  registerAgentPhone(resource: string, answerMs = 300): void {
    const returning = this.agentPhones.get(resource)?.registered === false;
    this.agentPhones.set(resource, { answerMs, registered: true });
    // Asterisk tells the endpoint's watchers when a contact registers again.
    if (returning) this.endpointStateChanged(resource, 'online');
  }

  /**
   * `PJSIP/<resource>` is the link to the test server at `peer`, as an
   * inter-PBX trunk in pjsip.conf: an originate to `PJSIP/<exten>@<resource>`
   * rings `exten` there, in its [outpace-from-pbx]; the link can go down and
   * up as a trunk does (trunkReachable).
   */
  linkTo(resource: string, peer: string): void {
    this.links.set(resource, peer);
  }

  /**
   * The softphone on `PJSIP/<resource>` unregisters: the endpoint stays in
   * pjsip.conf, offline, and calls to it fail. Applications subscribed to the
   * endpoint hear EndpointStateChange; a channel already up to it stays up,
   * as with a softphone that vanished without hanging up.
   */
  unregisterAgentPhone(resource: string): void {
    const phone = this.agentPhones.get(resource);
    if (!phone) throw new Error(`no agent phone ${resource} to unregister`);
    phone.registered = false;
    this.endpointStateChanged(resource, 'offline');
  }

  /** EndpointStateChange to the applications subscribed to `PJSIP/<resource>`, as Asterisk sends it. */
  private endpointStateChanged(resource: string, state: 'online' | 'offline'): void {
    const endpoint = `PJSIP/${resource}`;
    for (const app of this.endpointWatchers.get(endpoint) ?? []) {
      const channel_ids = this.list().filter((c) => c.endpoint === endpoint).map((c) => c.id);
      this.options.emit(app, 'EndpointStateChange', { endpoint: { technology: 'PJSIP', resource, state, channel_ids } });
    }
  }

  /**
   * The carrier behind the trunk stops answering (qualify finds its contact
   * unreachable; `false`) or answers again (`true`): the trunk's endpoint goes
   * offline or online, its watchers hear EndpointStateChange, and while it is
   * offline an originate on it is refused, as PJSIP finds no contact to use.
   */
  trunkReachable(trunk: string, reachable: boolean): void {
    if (reachable === !this.trunksDown.has(trunk)) return;
    if (reachable) this.trunksDown.delete(trunk);
    else this.trunksDown.add(trunk);
    this.endpointStateChanged(trunk, reachable ? 'online' : 'offline');
    // Then, as Asterisk 22 sends them for a qualified static contact, the peer's and the contact's status.
    const endpoint = { technology: 'PJSIP', resource: trunk, state: reachable ? 'online' : 'offline', channel_ids: [] };
    for (const app of this.endpointWatchers.get(`PJSIP/${trunk}`) ?? []) {
      this.options.emit(app, 'PeerStatusChange', { endpoint, peer: { peer_status: reachable ? 'Reachable' : 'Unreachable' } });
      this.options.emit(app, 'ContactStatusChange', {
        endpoint,
        contact_info: { uri: 'sip:127.0.0.1:5080', contact_status: reachable ? 'Reachable' : 'Unreachable', aor: trunk, roundtrip_usec: reachable ? '550' : '0' },
      });
    }
  }

  /** POST /applications/{app}/subscription?eventSource=endpoint:TECH/resource. */
  watchEndpoint(app: string, endpoint: string): void {
    if (!this.hasEndpoint(endpoint)) throw new AriRequestError(422, `Endpoint not found: ${endpoint}`);
    const watchers = this.endpointWatchers.get(endpoint) ?? new Set<string>();
    watchers.add(app);
    this.endpointWatchers.set(endpoint, watchers);
  }

  /** The endpoints an application is subscribed to, as TECH/resource. */
  endpointsWatchedBy(app: string): string[] {
    return [...this.endpointWatchers].filter(([, apps]) => apps.has(app)).map(([endpoint]) => endpoint);
  }

  /** What GET /endpoints says of a known endpoint (the trunk's AOR has a static contact, online while qualify finds it). */
  endpointState(endpoint: string): 'online' | 'offline' {
    const resource = endpoint.replace(/^PJSIP\//, '');
    return this.agentPhones.get(resource)?.registered === false || this.trunksDown.has(resource) ? 'offline' : 'online';
  }

  /** The next originate is refused, as Asterisk refuses an unregistered endpoint (500 "Allocation failed"). */
  failNextOriginate(status = 500, message = 'Allocation failed'): void {
    this.pendingOriginateFailures.push(new AriRequestError(status, message));
  }

  /**
   * Holds the next originate's HTTP answer back for `ms` (real time), as an
   * overloaded Asterisk, or one past its HTTP session limit, does. `before`:
   * Asterisk is slow to make the channel too; `after`: the channel is made at
   * once and rings while the answer is still on its way.
   */
  delayNextOriginate(ms: number, when: 'before' | 'after'): void {
    this.pendingOriginateDelays.push({ ms, when });
  }

  /** Waits out the delay set by delayNextOriginate for this stage of the request, if any. */
  async originateDelay(when: 'before' | 'after'): Promise<void> {
    if (this.pendingOriginateDelays[0]?.when !== when) return;
    const { ms } = this.pendingOriginateDelays.shift()!;
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Snoop channels enter Stasis `ms` (scripted) after the snoop request is
   * answered, as on a loaded Asterisk, where the snoop's StasisStart comes
   * after the HTTP answer and a record request sent in between is refused
   * (409 "Channel not in Stasis application", one agent leg in 62 on the
   * lab PBX). Infinity: they never do.
   */
  delaySnoopStasis(ms: number): void {
    this.snoopStasisMs = ms;
  }

  /**
   * The next channel recording fails once requested, as res_stasis_recording
   * fails one it cannot start (`Failed to answer channel`, `Cannot record
   * channel while in bridge`): RecordingFailed, state failed, with the cause.
   */
  failNextRecording(cause = 'Failed to answer channel'): void {
    this.pendingRecordingFailures.push(cause);
  }

  /** Media whose URI starts with `prefix` last `scriptedMs` each (undefined: promptMs again), for tests that act mid-list. */
  mediaLasts(prefix: string, scriptedMs: number | undefined): void {
    if (scriptedMs === undefined) this.mediaDurations.delete(prefix);
    else this.mediaDurations.set(prefix, scriptedMs);
  }

  /** The far end hangs up (a customer putting the phone down, an agent's softphone dropping). */
  farEndHangsUp(channelId: string, cause: FarEndCause = CAUSES.normal): void {
    const ch = this.channels.get(channelId);
    if (!ch || ch.destroyed) throw new Error(`no live channel ${channelId} to hang up`);
    this.hangupChannel(ch, { cause: cause.code, ...(cause.sip ? { tech_cause: cause.sip } : {}) }, cause);
  }

  /** Whether pjsip.conf would know this endpoint: a trunk, or an agent's phone. */
  hasEndpoint(endpoint: string): boolean {
    const resource = endpoint.replace(/^PJSIP\//, '');
    return this.options.trunks.includes(resource) || this.agentPhones.has(resource) || this.links.has(resource);
  }

  /** A ringing far end answers now, whatever its script's ring time. */
  farEndAnswers(channelId: string): void {
    const ch = this.get(channelId);
    if (ch.script?.kind !== 'answers' || ch.state === 'Up') throw new Error(`${channelId} is not a ringing call that can answer`);
    for (const t of ch.timers.splice(0)) t.cancel();
    this.answered(ch, ch.script.talkMs);
  }

  liveChannelOn(endpoint: string): SimChannel | undefined {
    return [...this.channels.values()].find((c) => !c.destroyed && c.endpoint === endpoint);
  }

  close(): void {
    for (const t of this.pendingTimers) clearTimeout(t);
    this.pendingTimers.clear();
  }

  // ---- channels -------------------------------------------------------------

  originate(p: OriginateParams): SimChannel {
    if (!p.endpoint) throw new AriRequestError(400, 'Endpoint must be specified');
    if (!p.app && !p.context) throw new AriRequestError(400, 'Application or extension must be specified');
    if (p.channelId && this.channels.has(p.channelId)) {
      throw new AriRequestError(409, 'Channel with given unique ID already exists');
    }
    const refusal = this.pendingOriginateFailures.shift();
    if (refusal) throw refusal;

    const trunk = TRUNK_ENDPOINT.exec(p.endpoint);
    const agent = trunk ? null : AGENT_ENDPOINT.exec(p.endpoint);
    // An endpoint that is not configured, or not registered, cannot be dialed: Asterisk answers 500 "Allocation failed".
    const link = trunk ? this.links.get(trunk[2]!) : undefined;
    const reachable = trunk ? (this.options.trunks.includes(trunk[2]!) || link !== undefined) && !this.trunksDown.has(trunk[2]!) : agent && this.agentPhones.get(agent[1]!)?.registered;
    if (!reachable) throw new AriRequestError(500, 'Allocation failed');

    const [, resource, trunkName] = trunk ?? [undefined, agent![1]!, undefined];
    // A link's calls come back into [outpace-from-pbx], as its endpoint's context says (pjsip.conf's link-endpoint).
    const homeContext = link ? FROM_PBX_CONTEXT : trunk ? `from-${trunkName}` : 'agents';
    const ch = this.newChannel({
      id: p.channelId ?? `${Date.now() / 1000}.${this.channelCounter}`,
      name: `PJSIP/${trunk ? trunkName : resource}-${this.nextChannelSuffix()}`,
      protocolId: crypto.randomUUID(),
      caller: parseCallerId(p.callerId),
      dialplan: outgoingLine(homeContext),
      homeContext,
      app: p.app,
      appArgs: p.app ? splitArgs(p.appArgs) : [],
      dialContext: p.app ? undefined : p.context,
      endpoint: p.endpoint,
      dialstring: trunk ? `${resource}@${trunkName}` : resource!,
      variables: new Map(Object.entries(p.variables ?? {})),
      snoopOf: undefined,
      snoopAudio: undefined,
      script: link ? undefined : trunk ? (this.scripts.get(resource!) ?? UNSCRIPTED_NUMBER) : agentScript(this.agentPhones.get(resource!)!),
    });
    if (link) ch.link = { peer: link, peerChannelId: undefined, ended: false };
    const attempt = p.variables?.['OUTPACE_ATTEMPT'];
    if (attempt) this.originatedAttempts.add(attempt);
    const timeoutMs = (p.timeoutSec ?? 30) * 1000;
    this.later(0, () => this.dial(ch, timeoutMs));
    return ch;
  }

  get(channelId: string): SimChannel {
    const ch = this.channels.get(channelId);
    if (!ch || ch.destroyed) throw new AriRequestError(404, 'Channel not found');
    return ch;
  }

  list(): SimChannel[] {
    return [...this.channels.values()].filter((c) => !c.destroyed);
  }

  /** DELETE /channels/{id}. */
  hangup(channelId: string, reasonCode?: number): void {
    const ch = this.get(channelId);
    const bridge = ch.bridgeId ? this.bridges.get(ch.bridgeId) : undefined;
    if (bridge?.channels.some((id) => id !== ch.id && !this.channels.get(id)?.destroyed)) this.faults.droppedWhileBridged++;
    const cause = reasonCode ? { code: reasonCode, text: causeText(reasonCode) } : CAUSES.normal;
    // Transcripts human, amd-*: a hangup through ARI shows as cause 32 (soft), the real cause comes with ChannelDestroyed.
    this.hangupChannel(ch, { cause: 32, soft: true }, cause);
  }

  /** res/ari/resource_channels.c: the channel must be in the application; MOH already playing goes on. */
  startMoh(channelId: string): void {
    const ch = this.inStasis(channelId);
    const moh = this.musicOnHold.get(ch.id) ?? { since: undefined, playedMs: 0 };
    moh.since ??= Date.now();
    this.musicOnHold.set(ch.id, moh);
  }

  stopMoh(channelId: string): void {
    const ch = this.inStasis(channelId);
    const moh = this.musicOnHold.get(ch.id);
    if (moh?.since !== undefined) {
      moh.playedMs += Date.now() - moh.since;
      moh.since = undefined;
    }
  }

  mute(channelId: string, direction: string, on: boolean): void {
    const ch = this.inStasis(channelId);
    if (direction === 'out') return;
    if (on) this.mutedIn.add(ch.id);
    else this.mutedIn.delete(ch.id);
  }

  sendDtmf(channelId: string, dtmf: string | undefined): void {
    if (!dtmf) throw new AriRequestError(400, 'DTMF is required');
    const ch = this.inStasis(channelId);
    this.later(0, () => this.dtmfSent.set(ch.id, (this.dtmfSent.get(ch.id) ?? '') + dtmf));
  }

  answer(channelId: string): void {
    const ch = this.inStasis(channelId);
    if (ch.state === 'Up') return;
    this.setState(ch, 'Up');
    // A call from another PBX: the answer goes back over the link (200 OK).
    if (ch.link?.peerChannelId) void this.options.toPeer(ch.link.peer, { type: 'answered', channelId: ch.link.peerChannelId }).catch(() => undefined);
  }

  continueInDialplan(channelId: string, context: string | undefined): void {
    const ch = this.inStasis(channelId);
    this.later(0, () => {
      if (ch.destroyed) return;
      this.leaveStasis(ch, false);
      this.runDialplan(ch, context ?? ch.dialplan.context);
    });
  }

  getVariable(channelId: string, name: string): string {
    const value = this.get(channelId).variables.get(name);
    if (value === undefined) throw new AriRequestError(404, 'Provided variable was not found');
    return value;
  }

  setVariable(channelId: string, name: string, value: string): void {
    const ch = this.get(channelId);
    if (name === 'TALK_DETECT(set)') return this.detectTalking(ch);
    ch.variables.set(name, value);
    this.channelEvent(ch, 'ChannelVarset', { variable: name, value });
  }

  /**
   * TALK_DETECT on a channel: ChannelTalkingStarted while the far end is still
   * in its greeting, ChannelTalkingFinished once it ends. Not in the recorded
   * transcripts; fields as in events.json.
   */
  private detectTalking(ch: SimChannel): void {
    const greetingMs = ch.script?.kind === 'answers' ? (ch.script.greetingMs ?? 0) : 0;
    const spokenMs = ch.answeredAt === undefined ? 0 : (Date.now() - ch.answeredAt) / this.options.timeScale;
    const remainingMs = greetingMs - spokenMs;
    if (remainingMs <= 0) return;
    this.channelEvent(ch, 'ChannelTalkingStarted', {});
    this.later(remainingMs, () => this.channelEvent(ch, 'ChannelTalkingFinished', { duration: Math.round(greetingMs) }), ch);
  }

  /**
   * POST /channels/{id}/play. As res_stasis_playback.c does: a channel plays
   * one playback at a time, the others queued behind it in order; a list
   * plays its media in turn (PlaybackStarted for each, PlaybackContinuing
   * between them, PlaybackFinished at the end), each lasting promptMs.
   */
  play(channelId: string, media: string[], playbackId: string | undefined, language = 'en'): Record<string, unknown> {
    const ch = this.inStasis(channelId);
    const pb: LivePlayback = {
      id: playbackId ?? crypto.randomUUID(),
      mediaUri: media[0] ?? '',
      targetUri: `channel:${ch.id}`,
      language,
      state: 'queued',
      channelId: ch.id,
      media,
      controllable: false,
      cancelled: false,
      timer: undefined,
    };
    this.playbacks.set(pb.id, pb);
    const queued = playbackJson(pb);
    const queue = this.playQueues.get(ch.id) ?? [];
    queue.push(pb);
    this.playQueues.set(ch.id, queue);
    if (queue.length === 1) this.later(0, () => this.playNext(ch));
    return queued;
  }

  /**
   * DELETE /playbacks/{id}. A queued playback is cancelled (it ends with
   * PlaybackFinished when its turn comes). A playing one stops at once, if it
   * is controllable: Asterisk marks a playback so once it has played a
   * `sound:`, `recording:` or `tone:` media; a playback still on its first
   * `number:` or `digits:` cannot be stopped (500 "Could not stop playback",
   * res/ari/resource_playbacks.c) and plays its whole list on.
   */
  stopPlayback(playbackId: string): void {
    const pb = this.playbacks.get(playbackId);
    if (!pb) throw new AriRequestError(404, 'Playback not found');
    if (pb.state === 'queued') {
      pb.cancelled = true;
      return;
    }
    if (!pb.controllable) throw new AriRequestError(500, 'Could not stop playback');
    this.later(0, () => this.endPlayback(pb));
  }

  /** The channel's next queued playback starts (a cancelled one only reports its end). */
  private playNext(ch: SimChannel): void {
    const pb = this.playQueues.get(ch.id)?.[0];
    if (!pb || ch.destroyed) return;
    if (pb.cancelled) return this.endPlayback(pb);
    this.playMedia(ch, pb, 0);
  }

  private playMedia(ch: SimChannel, pb: LivePlayback, index: number): void {
    pb.mediaUri = pb.media[index] ?? '';
    pb.state = 'playing';
    if (/^(sound|recording|tone):/.test(pb.mediaUri)) pb.controllable = true;
    this.playbackEvent(ch, 'PlaybackStarted', pb);
    const lasts = [...this.mediaDurations].find(([prefix]) => pb.mediaUri.startsWith(prefix))?.[1] ?? this.options.promptMs;
    pb.timer = this.laterCancellable(lasts, () => {
      if (index + 1 >= pb.media.length) return this.endPlayback(pb);
      pb.state = 'continuing';
      this.playbackEvent(ch, 'PlaybackContinuing', pb);
      this.playMedia(ch, pb, index + 1);
    });
  }

  /** The customer presses a key: ChannelDtmfReceived, fields as in events.json (digit, duration_ms, channel). */
  pressKey(channelId: string, digit: string, durationMs = 120): void {
    const ch = this.get(channelId);
    if (!/^[0-9A-D#*]$/.test(digit)) throw new Error(`"${digit}" is not a DTMF digit`);
    this.channelEvent(ch, 'ChannelDtmfReceived', { digit, duration_ms: durationMs });
  }

  /** Playbacks under way on a channel, for tests that act while a given prompt plays. */
  playbacksOn(channelId: string): Array<{ id: string; mediaUri: string; state: SimPlayback['state']; language: string }> {
    return [...this.playbacks.values()].filter((pb) => pb.channelId === channelId);
  }

  /** POST /channels/{id}/snoop, checked in Asterisk's order (res/ari/resource_channels.c): directions, then the application, then the channel. */
  snoop(channelId: string, p: { app: string | undefined; appArgs?: string | undefined; snoopId?: string | undefined; spy?: string | undefined; whisper?: string | undefined }): SimChannel {
    const direction = (value: string | undefined, what: string): SnoopDirection => {
      if (!value) return 'none';
      if (!(SNOOP_DIRECTIONS as readonly string[]).includes(value)) throw new AriRequestError(400, `Invalid direction specified for ${what}`);
      return value as SnoopDirection;
    };
    const audio = { spy: direction(p.spy, 'spy'), whisper: direction(p.whisper, 'whisper') };
    if (audio.spy === 'none' && audio.whisper === 'none') throw new AriRequestError(400, 'Direction must be specified for at least spy or whisper');
    if (!p.app) throw new AriRequestError(400, 'Application name is required');
    const target = this.get(channelId);
    const snoop = this.newChannel({
      id: p.snoopId ?? crypto.randomUUID(),
      name: `Snoop/${target.id}-${this.nextChannelSuffix()}`,
      protocolId: '',
      caller: { name: '', number: '' },
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
      homeContext: 'default',
      app: p.app,
      appArgs: splitArgs(p.appArgs),
      dialContext: undefined,
      endpoint: undefined,
      dialstring: '',
      variables: new Map(),
      snoopOf: target.id,
      snoopAudio: audio,
      script: undefined,
    });
    snoop.state = 'Up';
    addTo(this.snoopsOn, target.id, snoop);
    if (this.snoopStasisMs !== Infinity) this.later(this.snoopStasisMs, () => this.enterStasis(snoop, snoop.appArgs) || this.destroy(snoop, CAUSES.normal), snoop);
    return snoop;
  }

  /**
   * Whose voices reach the endpoint of `channelId`: the channels (their
   * endpoints' voices) heard there, through mixing bridges and snoops, as
   * Asterisk routes audio (res_stasis_snoop.c: a snoop spies its channel's
   * read side, `in`, what the endpoint says, and write side, `out`, what it
   * is sent; what the snoop is sent is whispered into those sides). A channel
   * never hears itself. What the real PBX's per-leg recordings show, in sets.
   */
  hears(channelId: string): string[] {
    const heard = this.sentTo(this.get(channelId), new Set());
    heard.delete(channelId);
    return [...heard].sort();
  }

  /** The voices a channel sends into its bridge: its endpoint's own (a snoop's: what it spies), and what snoops whisper `in`. */
  private saidBy(ch: SimChannel, seen: Set<string>): Set<string> {
    const voices = new Set<string>();
    if (!firstVisit(seen, `said:${ch.id}`)) return voices;
    const target = ch.snoopOf ? this.channels.get(ch.snoopOf) : undefined;
    if (target && ch.snoopAudio) {
      if (has(ch.snoopAudio.spy, 'in')) for (const v of this.saidBy(target, seen)) voices.add(v);
      if (has(ch.snoopAudio.spy, 'out')) for (const v of this.sentTo(target, seen)) voices.add(v);
    } else if (!ch.snoopOf) voices.add(ch.id);
    for (const snoop of this.snoopsOn.get(ch.id) ?? []) {
      if (has(snoop.snoopAudio!.whisper, 'in')) for (const v of this.sentTo(snoop, seen)) voices.add(v);
    }
    return voices;
  }

  /** The voices sent to a channel's endpoint: what the others in its bridge say, and what snoops whisper `out`. */
  private sentTo(ch: SimChannel, seen: Set<string>): Set<string> {
    const voices = new Set<string>();
    if (!firstVisit(seen, `sent:${ch.id}`)) return voices;
    const bridge = ch.bridgeId ? this.bridges.get(ch.bridgeId) : undefined;
    for (const other of bridge?.channels ?? []) {
      const peer = this.channels.get(other);
      if (other !== ch.id && peer && !peer.destroyed) for (const v of this.saidBy(peer, seen)) voices.add(v);
    }
    for (const snoop of this.snoopsOn.get(ch.id) ?? []) {
      if (has(snoop.snoopAudio!.whisper, 'out')) for (const v of this.sentTo(snoop, seen)) voices.add(v);
    }
    return voices;
  }

  // ---- bridges --------------------------------------------------------------

  createBridge(id: string | undefined, name: string): SimBridge {
    if (id && this.bridges.has(id)) return this.bridges.get(id)!;
    const bridge = newBridge(id, name);
    this.bridges.set(bridge.id, bridge);
    return bridge;
  }

  bridge(bridgeId: string): SimBridge {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new AriRequestError(404, 'Bridge not found');
    return b;
  }

  /** @param inhibitConnectedLineUpdates ARI's flag: the bridge's reconfiguration then updates nobody's connected line. */
  addToBridge(bridgeId: string, channelIds: string[], inhibitConnectedLineUpdates = false): void {
    const bridge = this.bridge(bridgeId);
    const joining = channelIds.map((id) => {
      const ch = this.channels.get(id);
      if (!ch || ch.destroyed) throw new AriRequestError(400, 'Channel not found');
      if (!ch.inStasis) throw new AriRequestError(422, 'Channel not in Stasis application');
      return ch;
    });
    // Asterisk answers once the channels are in the bridge (ast_bridge_impart waits for the push): a request
    // that follows the answer, such as removeChannel for a hold, finds them there.
    const entered = joining.filter((ch) => ch.bridgeId !== bridge.id);
    for (const ch of entered) {
      if (ch.bridgeId) this.leaveBridge(ch);
      ch.bridgeId = bridge.id;
      bridge.channels.push(ch.id);
      if (!this.bridgeApps.has(bridge.id)) this.bridgeApps.set(bridge.id, ch.app);
      this.options.emit(ch.app, 'ChannelEnteredBridge', { bridge: bridgeJson(bridge), channel: channelJson(ch) });
    }
    // Channels dialed out on a trunk (home context from-<trunk>) are customers.
    const customers = bridge.channels.filter((id) => this.channels.get(id)?.homeContext.startsWith('from-'));
    if (entered.length > 0 && customers.length > 1) this.faults.twoCustomersInABridge++;
    // Transcript human: once two parties share the bridge, each gets its connected line updated (bridge_reconfigured).
    if (entered.length > 0 && bridge.channels.length > 1 && !inhibitConnectedLineUpdates) this.connectedLineUpdate(bridge);
  }

  removeFromBridge(bridgeId: string, channelId: string): void {
    const bridge = this.bridge(bridgeId);
    const ch = this.get(channelId);
    if (ch.bridgeId !== bridge.id) throw new AriRequestError(422, 'Channel not in this bridge');
    this.later(0, () => this.leaveBridge(ch));
  }

  destroyBridge(bridgeId: string): void {
    const bridge = this.bridge(bridgeId);
    this.later(0, () => {
      for (const id of [...bridge.channels]) this.leaveBridge(this.channels.get(id)!);
      this.bridges.delete(bridge.id);
      this.options.emit(this.bridgeApps.get(bridge.id), 'BridgeDestroyed', { bridge: bridgeJson(bridge) });
    });
  }

  // ---- recordings -----------------------------------------------------------

  /** POST /channels/{id}/record: the channel must be in the application (res/ari/resource_channels.c answers 409 otherwise). */
  recordChannel(channelId: string, name: string, format: string, ifExists: string | undefined): SimRecording {
    const ch = this.inStasis(channelId);
    const rec = this.record(`channel:${ch.id}`, ch.app, name, format, ifExists);
    const cause = this.pendingRecordingFailures.shift();
    if (cause !== undefined) {
      rec.state = 'failed';
      this.liveRecordings.delete(name);
      removeFrom(this.recordingsOn, rec.targetUri, rec);
      this.later(0, () => this.options.emit(rec.app, 'RecordingFailed', { recording: { ...recordingJson(rec), cause } }));
    }
    return rec;
  }

  /**
   * GET /recordings/stored/{name}/file: the file's bytes and Content-Type as
   * res/ari/resource_recordings.c sends them (`audio/<extension>`). The sound
   * is made here: 8 kHz 16-bit mono WAV, as Asterisk's `wav` format writes, a
   * tone whose pitch tells the leg, lasting the recording's duration.
   */
  storedFile(name: string): { contentType: string; bytes: Buffer } {
    const stored = this.storedRecordings.get(name);
    if (!stored) throw new AriRequestError(404, 'Recording not found');
    if (stored.format !== 'wav') throw new AriRequestError(500, 'Format specified by recording not available or loaded');
    const durationSec = stored.durationSec ?? this.scaledSecondsSince(stored.startedAt);
    return { contentType: `audio/${stored.format}`, bytes: toneWav(durationSec, /-customer$/.test(name) ? 440 : /-agent$/.test(name) ? 660 : 550) };
  }

  /** DELETE /recordings/stored/{name}. */
  deleteStored(name: string): void {
    if (!this.storedRecordings.delete(name)) throw new AriRequestError(404, 'Recording not found');
  }

  record(targetUri: string, app: string | undefined, name: string, format: string, ifExists: string | undefined): SimRecording {
    if (!name || !format) throw new AriRequestError(400, 'Recording name and format are required');
    if (this.liveRecordings.has(name)) throw new AriRequestError(409, 'Recording with the same name already in progress');
    if (this.storedRecordings.has(name) && (ifExists ?? 'fail') === 'fail') {
      throw new AriRequestError(422, 'Recording with the same name already exists');
    }
    const rec: SimRecording = { name, format, targetUri, state: 'queued', startedAt: Date.now(), app };
    this.liveRecordings.set(name, rec);
    addTo(this.recordingsOn, targetUri, rec);
    this.later(0, () => {
      if (rec.state !== 'queued') return;
      rec.state = 'recording';
      this.options.emit(app, 'RecordingStarted', { recording: recordingJson(rec) });
    });
    return rec;
  }

  stopRecording(name: string): void {
    const rec = this.liveRecordings.get(name);
    if (!rec) throw new AriRequestError(404, 'Recording not found');
    this.finishRecording(rec);
  }

  appOfBridge(bridgeId: string): string | undefined {
    return this.bridgeApps.get(bridgeId);
  }

  // ---- the far end's behaviour ----------------------------------------------

  private dial(ch: SimChannel, timeoutMs: number): void {
    if (ch.link) return this.dialLink(ch, ch.link, timeoutMs);
    const script = ch.script!;
    const timeoutCause = CAUSES.noAnswer;
    switch (script.kind) {
      case 'answers':
        this.ringing(ch);
        if (script.ringMs >= timeoutMs) return this.ringTimeout(ch, timeoutMs, timeoutCause);
        return this.later(script.ringMs, () => this.answered(ch, script.talkMs), ch);
      case 'never-answers':
        this.ringing(ch);
        return this.ringTimeout(ch, timeoutMs, timeoutCause);
      case 'refuses-after-ringing':
        this.ringing(ch);
        if (script.ringMs >= timeoutMs) return this.ringTimeout(ch, timeoutMs, timeoutCause);
        return this.later(script.ringMs, () => this.refused(ch, script.cause), ch);
      case 'refuses':
        // Transcript busy: the hangup request arrives before the first Dial event; congestion and unallocated: after it.
        if (script.cause.code === CAUSES.busy.code) return this.refused(ch, script.cause, { hangupFirst: true });
        this.dialEvent(ch, '');
        return this.refused(ch, script.cause);
      case 'intercept':
        this.dialEvent(ch, '');
        this.dialEvent(ch, 'PROGRESS');
        if (script.announcementMs >= timeoutMs) return this.ringTimeout(ch, timeoutMs, timeoutCause);
        return this.later(script.announcementMs, () => this.refused(ch, CAUSES.unallocated), ch);
    }
  }

  /** Transcripts human, noanswer: Dial "", Ringing, Dial RINGING. */
  private ringing(ch: SimChannel): void {
    this.dialEvent(ch, '');
    this.setState(ch, 'Ringing');
    this.dialEvent(ch, 'RINGING');
  }

  /** Transcript noanswer-timeout: when the originate timeout fires only ChannelDestroyed arrives, cause 19. */
  private ringTimeout(ch: SimChannel, timeoutMs: number, cause: FarEndCause): void {
    this.later(timeoutMs, () => this.destroy(ch, cause), ch);
  }

  /** Transcripts busy, congestion, unallocated, noanswer, intercept. */
  private refused(ch: SimChannel, cause: FarEndCause, o: { hangupFirst?: boolean } = {}): void {
    this.channelEvent(ch, 'ChannelHangupRequest', hangupRequestFields(cause));
    if (o.hangupFirst) this.dialEvent(ch, '');
    this.dialEvent(ch, dialstatusFor(cause));
    this.destroy(ch, cause);
  }

  /** Transcripts human, amd-continue-machine: Up, Dial ANSWER, then Stasis or the dialplan. */
  private answered(ch: SimChannel, talkMs: number | undefined): void {
    ch.answeredAt = Date.now();
    this.setState(ch, 'Up');
    this.dialEvent(ch, 'ANSWER');
    if (talkMs !== undefined) this.later(talkMs, () => this.farEndHangsUp(ch.id), ch);
    if (!ch.app) return this.runDialplan(ch, ch.dialContext!);
    // Originated into an application: Stasis() runs on answer, and hangs the channel up if no WebSocket serves it (no dialplan to fall back on).
    if (this.enterStasis(ch, ch.appArgs)) return;
    this.faults.answeredIntoSilence++;
    this.hangupChannel(ch, { cause: 16 }, CAUSES.normal);
  }

  private runDialplan(ch: SimChannel, context: string): void {
    if (context === this.options.customerContext) return this.runCustomerContext(ch, context);
    const verdict = ch.script?.kind === 'answers' ? ch.script.detection : undefined;
    if (context !== this.options.amdContext || !verdict) {
      // Not recorded: a context outpace does not ship. The channel falls off the end of the dialplan.
      this.dialplanStep(ch, context, 1, 'Hangup', '');
      return this.hangupChannel(ch, { cause: 16 }, CAUSES.normal);
    }
    this.runMachineDetection(ch, context, verdict);
  }

  /** Transcript amd-continue-machine, following dialplan/outpace.conf's [outpace-amd]. */
  private runMachineDetection(ch: SimChannel, context: string, verdict: DetectionVerdict): void {
    this.dialplanStep(ch, context, 1, 'NoOp', `AMD on ${ch.name} args=[]`);
    this.dialplanStep(ch, context, 2, 'AMD', '');
    this.later(
      verdict.afterMs,
      () => {
        this.setVariable(ch.id, 'AMDSTATUS', verdict.status);
        this.setVariable(ch.id, 'AMDCAUSE', verdict.cause);
        this.dialplanStep(ch, context, 3, 'NoOp', `AMDSTATUS=${verdict.status} AMDCAUSE=${verdict.cause}`);
        const app = ch.variables.get('OUTPACE_APP') ?? ch.app ?? '';
        const args = ['amd', verdict.status, verdict.cause];
        this.dialplanStep(ch, context, 4, 'Stasis', [app, ...args].join(','));
        if (this.enterStasis(ch, args, app)) return;
        if (verdict.status === 'MACHINE') return this.playThenHangUp(ch, 'outpace-leave-message', 'outpace/machine-message');
        this.abandonedByDialplan(ch);
      },
      ch,
    );
  }

  /** Not recorded: dialplan/outpace.conf's [outpace-customer], run on answer. */
  private runCustomerContext(ch: SimChannel, context: string): void {
    const app = ch.variables.get('OUTPACE_APP') ?? '';
    const attempt = ch.variables.get('OUTPACE_ATTEMPT') ?? '';
    const record = ch.variables.get('OUTPACE_RECORD') ?? '';
    this.dialplanStep(ch, context, 1, 'NoOp', `outpace: ${ch.name} answered, attempt ${attempt}`);
    this.dialplanStep(ch, context, 2, 'GosubIf', `${record ? 1 : 0}?outpace-record,${record},1`);
    if (record) this.recordFromAnswer(ch, record, attempt);
    this.dialplanStep(ch, context, 3, 'Stasis', `${app},customer,${attempt}`);
    if (!this.enterStasis(ch, ['customer', attempt], app)) this.abandonedByDialplan(ch);
  }

  /**
   * [outpace-record], as a real Asterisk reports it (events and order seen on
   * the lab): MixMonitor writes its files into ARI's recording folder from the
   * start, so they are stored recordings at once, with no recording event
   * (the application does not drive MixMonitor).
   */
  private recordFromAnswer(ch: SimChannel, policy: string, attempt: string): void {
    const legs = policy === 'all' ? ['mixed', 'customer', 'agent'] : policy === 'agent-legs' ? ['agent'] : [];
    const file = (leg: string) => `${RECORDING_DIR}/${attempt}-${leg}.wav`;
    this.channelEvent(ch, 'ChannelVarset', { variable: 'LOCAL(ARGC)', value: '0' });
    if (legs.length > 0) {
      const mixed = policy === 'all' ? file('mixed') : '';
      this.dialplanStep(ch, 'outpace-record', 1, 'MixMonitor', policy === 'all' ? `${mixed},r(${file('customer')})t(${file('agent')})` : `,t(${file('agent')})`);
      if (mixed) this.channelEvent(ch, 'ChannelVarset', { variable: 'MIXMONITOR_FILENAME', value: mixed });
      for (const leg of legs) this.storedRecordings.set(`${attempt}-${leg}`, { name: `${attempt}-${leg}`, format: 'wav', startedAt: Date.now() });
      this.mixMonitorsOn.set(ch.id, legs.map((leg) => `${attempt}-${leg}`));
    }
    this.dialplanStep(ch, 'outpace-record', legs.length > 0 ? 2 : 1, 'Return', '');
    this.channelEvent(ch, 'ChannelVarset', { variable: 'ARGC', value: '' });
    this.channelEvent(ch, 'ChannelVarset', { variable: 'GOSUB_RETVAL', value: '' });
  }

  /** Stasis() FAILED: the dialplan records the time in AstDB and plays the abandon message ([outpace-abandon]). */
  private abandonedByDialplan(ch: SimChannel): void {
    this.faults.abandonedByDialplan++;
    this.astDb.set(`outpace-abandoned/${ch.variables.get('OUTPACE_ATTEMPT') ?? ''}`, String(Math.floor(Date.now() / 1000)));
    this.playThenHangUp(ch, 'outpace-abandon', 'outpace/abandon');
  }

  private playThenHangUp(ch: SimChannel, context: string, prompt: string): void {
    this.dialplanStep(ch, context, 2, 'Playback', prompt);
    this.later(this.options.promptMs, () => this.hangupChannel(ch, { cause: 16 }, CAUSES.normal), ch);
  }

  /**
   * GET /asterisk/variable: a global variable, or a dialplan function read
   * without a channel; DB() and DB_DELETE() (which deletes what it reads)
   * are the ones outpace uses. Unset: empty.
   */
  globalVariable(name: string): string {
    const db = /^DB(_DELETE)?\((.+)\)$/.exec(name);
    if (!db) return '';
    const value = this.astDb.get(db[2]!) ?? '';
    if (db[1]) this.astDb.delete(db[2]!);
    return value;
  }

  private dialplanStep(ch: SimChannel, context: string, priority: number, app: string, data: string, exten = 's'): void {
    ch.dialplan = { context, exten, priority, app_name: app, app_data: data };
    this.channelEvent(ch, 'ChannelDialplan', { dialplan_app: app, dialplan_app_data: data });
  }

  // ---- the link to another PBX of the site (not recorded: modelled on chan_pjsip between two Asterisks, and its events
  // and causes checked against the lab's two Asterisk 22.10.1, test/pbx/cross-server.test.ts) ----

  /**
   * The INVITE goes to the other server with the channel's PJSIP_HEADER(add,...)
   * variables as headers; the call stays Down, as no 180 comes while the far
   * side sits in Stasis unanswered, until that side is answered (its
   * application answers it) or ends (the cause it ended with: 34 when no
   * application took it). Rings out at the originate timeout, cause 19.
   */
  private dialLink(ch: SimChannel, link: NonNullable<SimChannel['link']>, timeoutMs: number): void {
    this.dialEvent(ch, '');
    this.ringTimeout(ch, timeoutMs, CAUSES.noAnswer);
    const headers: Record<string, string> = {};
    for (const [name, value] of ch.variables) {
      const header = /^PJSIP_HEADER\(add,(.+)\)$/.exec(name)?.[1];
      if (header) headers[header] = value;
    }
    const exten = TRUNK_ENDPOINT.exec(ch.endpoint!)![1]!;
    const callerId = ch.caller.number ? `"${ch.caller.name}" <${ch.caller.number}>` : undefined;
    this.options
      .toPeer(link.peer, { type: 'invite', from: this.options.ownAddress(), callId: ch.id, exten, headers, callerId })
      .then(({ channelId }) => {
        link.peerChannelId = channelId;
        if (ch.destroyed) this.tellPeerOfEnd(ch, CAUSES.normal);
      })
      // The other server refused the INVITE (503: no link leads back, or it is down) or is gone: congestion, as a 503 maps.
      .catch(() => this.linkEnded(ch.id, CAUSES.congestion.code));
  }

  /** An INVITE from another server: a channel on the link endpoint that leads back there, into [outpace-from-pbx]. */
  incomingFromLink(m: Extract<LinkMessage, { type: 'invite' }>): string {
    const resource = [...this.links].find(([, peer]) => peer === m.from)?.[0];
    if (!resource || this.trunksDown.has(resource)) throw new AriRequestError(503, `no link endpoint leads back to ${m.from}`);
    const ch = this.newChannel({
      id: `${Date.now() / 1000}.${this.channelCounter}`,
      name: `PJSIP/${resource}-${this.nextChannelSuffix()}`,
      protocolId: crypto.randomUUID(),
      caller: parseCallerId(m.callerId),
      dialplan: { context: FROM_PBX_CONTEXT, exten: m.exten, priority: 1, app_name: '', app_data: '' },
      homeContext: FROM_PBX_CONTEXT,
      app: undefined,
      appArgs: [],
      dialContext: undefined,
      endpoint: `PJSIP/${resource}`,
      dialstring: '',
      variables: new Map(Object.entries(m.headers).map(([name, value]) => [`PJSIP_HEADER(read,${name})`, value])),
      snoopOf: undefined,
      snoopAudio: undefined,
      script: undefined,
    });
    ch.state = 'Ring';
    ch.link = { peer: m.from, peerChannelId: m.callId, ended: false };
    // dialplan/outpace.conf's [outpace-from-pbx]: Stasis(app from the header,crossing,EXTEN), or Hangup(34) when no engine takes it.
    this.later(0, () => {
      const app = ch.variables.get('PJSIP_HEADER(read,X-Outpace-App)') ?? '';
      this.dialplanStep(ch, FROM_PBX_CONTEXT, 1, 'Stasis', `${app},crossing,${m.exten}`, m.exten);
      if (this.enterStasis(ch, ['crossing', m.exten], app)) return;
      this.dialplanStep(ch, FROM_PBX_CONTEXT, 2, 'Hangup', String(CAUSES.congestion.code), m.exten);
      // As Asterisk 22.10.1 reports Hangup(34) on a call from another PBX it never answered (the lab's two PBXs): a soft
      // hangup request of cause 16, no Dial event (nothing dialed the channel here), destroyed with 34 and the 503 sent back.
      this.channelEvent(ch, 'ChannelHangupRequest', { cause: CAUSES.normal.code, soft: true });
      this.destroy(ch, CAUSES.congestion);
    }, ch);
    return ch.id;
  }

  /** The other server answered the call (200 OK): Up, Dial ANSWER, into the application it was originated into. */
  linkAnswered(channelId: string): void {
    const ch = this.channels.get(channelId);
    if (!ch || ch.destroyed || ch.state === 'Up') return;
    for (const t of ch.timers.splice(0)) t.cancel();
    this.answered(ch, undefined);
  }

  /** The other side ended (BYE, or a final refusal before the answer): this side ends with its cause. */
  linkEnded(channelId: string, code: number): void {
    const ch = this.channels.get(channelId);
    if (!ch || ch.destroyed) return;
    if (ch.link) ch.link.ended = true;
    const cause = Object.values(CAUSES).find((c) => c.code === code) ?? { code, text: causeText(code) };
    if (ch.state === 'Up') return this.hangupChannel(ch, hangupRequestFields(cause), cause);
    this.refused(ch, cause);
  }

  private tellPeerOfEnd(ch: SimChannel, cause: FarEndCause): void {
    const link = ch.link;
    if (!link || link.ended || link.peerChannelId === undefined) return;
    link.ended = true;
    void this.options.toPeer(link.peer, { type: 'hangup', channelId: link.peerChannelId, cause: cause.code }).catch(() => undefined);
  }

  // ---- Stasis, hangups, the end of things -------------------------------------

  /** Stasis(): false (STASISSTATUS FAILED) when no WebSocket serves the application; the caller decides what follows. */
  private enterStasis(ch: SimChannel, args: readonly string[], app: string | undefined = ch.app): boolean {
    if (ch.destroyed) return true;
    if (!app || !this.options.appIsConnected(app)) return false;
    ch.app = app;
    ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    if (!ch.snoopOf) this.channelEvent(ch, 'ChannelVarset', { variable: 'STASISSTATUS', value: '' });
    ch.inStasis = true;
    // StasisStart and StasisEnd go to the application itself, once, whatever else it is subscribed to.
    this.options.emit(app, 'StasisStart', { args: [...args], channel: channelJson(ch) });
    return true;
  }

  private leaveStasis(ch: SimChannel, withStatus: boolean): void {
    if (!ch.inStasis) return;
    if (ch.bridgeId) this.leaveBridge(ch);
    ch.inStasis = false;
    this.options.emit(ch.app, 'StasisEnd', { channel: channelJson(ch) });
    if (withStatus) this.channelEvent(ch, 'ChannelVarset', { variable: 'STASISSTATUS', value: 'SUCCESS' });
  }

  /**
   * Transcripts human (hangup through ARI) and human-remote-hangup (far end):
   * ChannelHangupRequest, ChannelLeftBridge, StasisEnd, ChannelDestroyed.
   * A hangup before answer was not recorded: it is modelled as Dial CANCEL.
   */
  private hangupChannel(ch: SimChannel, request: Record<string, unknown>, cause: FarEndCause): void {
    if (ch.destroyed) return;
    this.channelEvent(ch, 'ChannelHangupRequest', request);
    if (ch.state !== 'Up' && !ch.snoopOf) this.dialEvent(ch, 'CANCEL');
    this.leaveStasis(ch, !ch.snoopOf);
    this.destroy(ch, cause);
  }

  private destroy(ch: SimChannel, cause: FarEndCause): void {
    if (ch.destroyed) return;
    ch.destroyed = true;
    this.tellPeerOfEnd(ch, cause);
    for (const t of ch.timers) t.cancel();
    for (const pb of [...(this.playQueues.get(ch.id) ?? [])]) this.endPlayback(pb);
    for (const rec of [...(this.recordingsOn.get(`channel:${ch.id}`) ?? [])]) this.finishRecording(rec);
    for (const name of this.mixMonitorsOn.get(ch.id) ?? []) {
      const file = this.storedRecordings.get(name);
      if (file) this.storedRecordings.set(name, { ...file, durationSec: this.scaledSecondsSince(file.startedAt) });
    }
    this.mixMonitorsOn.delete(ch.id);
    // Transcript human: snoop channels end with StasisEnd only, before their target's ChannelDestroyed.
    for (const snoop of [...(this.snoopsOn.get(ch.id) ?? [])]) this.destroy(snoop, cause);
    this.snoopsOn.delete(ch.id);
    if (ch.snoopOf) {
      removeFrom(this.snoopsOn, ch.snoopOf, ch);
      this.leaveStasis(ch, false);
    } else {
      ch.dialplan = { ...ch.dialplan, app_name: 'AppDial2', app_data: '(Outgoing Line)' };
      this.channelEvent(ch, 'ChannelDestroyed', {
        cause: cause.code,
        cause_txt: cause.text,
        ...(cause.sip ? { tech_cause: cause.sip } : {}),
      });
    }
    this.channels.delete(ch.id);
  }

  private leaveBridge(ch: SimChannel): void {
    const bridge = ch.bridgeId ? this.bridges.get(ch.bridgeId) : undefined;
    ch.bridgeId = undefined;
    if (!bridge) return;
    bridge.channels.splice(bridge.channels.indexOf(ch.id), 1);
    this.options.emit(ch.app, 'ChannelLeftBridge', { bridge: bridgeJson(bridge), channel: channelJson(ch) });
    // Transcript concurrent-12: a bridge recording finishes once the bridge is empty.
    if (bridge.channels.length === 0) for (const rec of [...(this.recordingsOn.get(`bridge:${bridge.id}`) ?? [])]) this.finishRecording(rec);
  }

  /** Transcripts human, human-remote-hangup: the party that joined last hears of it first. */
  private connectedLineUpdate(bridge: SimBridge): void {
    for (const id of [...bridge.channels].reverse()) this.channelEvent(this.channels.get(id)!, 'ChannelConnectedLine', {});
  }

  private finishRecording(rec: SimRecording): void {
    if (rec.state === 'done') return;
    rec.state = 'done';
    const durationSec = this.scaledSecondsSince(rec.startedAt);
    this.liveRecordings.delete(rec.name);
    removeFrom(this.recordingsOn, rec.targetUri, rec);
    this.storedRecordings.set(rec.name, { name: rec.name, format: rec.format, startedAt: rec.startedAt, durationSec });
    this.options.emit(rec.app, 'RecordingFinished', { recording: recordingJson(rec, durationSec) });
  }

  /** Whole scripted seconds since a real time: what Asterisk would count on the scaled clock. */
  private scaledSecondsSince(realMs: number): number {
    return Math.round((Date.now() - realMs) / this.options.timeScale / 1000);
  }

  /** The playback is over (played, stopped, cancelled, or its channel gone): PlaybackFinished, then the channel's next. */
  private endPlayback(pb: LivePlayback): void {
    if (!this.playbacks.delete(pb.id)) return;
    pb.timer?.();
    pb.state = 'done';
    const queue = this.playQueues.get(pb.channelId) ?? [];
    queue.splice(queue.indexOf(pb), 1);
    if (queue.length === 0) this.playQueues.delete(pb.channelId);
    const ch = this.channels.get(pb.channelId);
    if (ch) this.playbackEvent(ch, 'PlaybackFinished', pb);
    if (ch && queue.length > 0) this.playNext(ch);
  }

  // ---- plumbing ---------------------------------------------------------------

  private inStasis(channelId: string): SimChannel {
    const ch = this.get(channelId);
    if (!ch.inStasis) throw new AriRequestError(409, 'Channel not in Stasis application');
    return ch;
  }

  private setState(ch: SimChannel, state: SimChannel['state']): void {
    ch.state = state;
    this.channelEvent(ch, 'ChannelStateChange', {});
  }

  private dialEvent(ch: SimChannel, dialstatus: string): void {
    this.toAppsHearing(ch, 'Dial', { dialstatus, forward: '', dialstring: ch.dialstring, peer: channelJson(ch) });
  }

  private channelEvent(ch: SimChannel, type: string, fields: Record<string, unknown>): void {
    this.toAppsHearing(ch, type, { ...fields, channel: channelJson(ch) });
  }

  private playbackEvent(ch: SimChannel, type: string, pb: LivePlayback): void {
    this.toAppsHearing(ch, type, { playback: playbackJson(pb) });
  }

  /** One event, stamped once: a copy sent through a second subscription is the same to the byte. */
  private toAppsHearing(ch: SimChannel, type: string, fields: Record<string, unknown>): void {
    const event = { timestamp: ariTimestamp(), ...fields };
    for (const app of this.appsHearing(ch)) this.options.emit(app, type, event);
  }

  /**
   * The applications a channel's events go to, once per subscription that
   * brings them: the application it was originated into or entered, and
   * those subscribed to its endpoint (a trunk's channels report to the trunk
   * endpoint, PJSIP/<trunk>). An application subscribed both ways hears
   * every event twice, byte for byte, as Asterisk 22.10.1 sends them
   * (measured on the real-PBX lab: Dial, ChannelStateChange, ChannelVarset,
   * PlaybackStarted, ChannelDtmfReceived, ChannelDestroyed, ... each twice;
   * StasisStart and StasisEnd once).
   */
  private appsHearing(ch: SimChannel): readonly string[] {
    const trunk = ch.endpoint ? TRUNK_ENDPOINT.exec(ch.endpoint)?.[2] : undefined;
    const watchers = this.endpointWatchers.get(trunk ? `PJSIP/${trunk}` : (ch.endpoint ?? '')) ?? [];
    return [...(ch.app ? [ch.app] : []), ...watchers];
  }

  private newChannel(
    init: Omit<SimChannel, 'channelvars' | 'state' | 'createdAt' | 'inStasis' | 'answeredAt' | 'bridgeId' | 'timers' | 'destroyed'>,
  ): SimChannel {
    const ch: SimChannel = {
      ...init,
      channelvars: this.options.channelvars,
      state: 'Down',
      createdAt: Date.now(),
      inStasis: false,
      answeredAt: undefined,
      bridgeId: undefined,
      timers: [],
      destroyed: false,
    };
    this.channels.set(ch.id, ch);
    return ch;
  }

  private nextChannelSuffix(): string {
    return (this.channelCounter++).toString(16).padStart(8, '0');
  }

  /** Like later(), with a function that cancels it. */
  private laterCancellable(scriptedMs: number, task: () => void): () => void {
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      task();
    }, scriptedMs * this.options.timeScale);
    this.pendingTimers.add(timer);
    return () => {
      clearTimeout(timer);
      this.pendingTimers.delete(timer);
    };
  }

  /** Runs `task` after `scriptedMs` on the scaled clock; a channel's timers die with it. */
  private later(scriptedMs: number, task: () => void, owner?: SimChannel): void {
    const cancel = this.laterCancellable(scriptedMs, task);
    owner?.timers.push({ cancel });
  }

}

interface LivePlayback extends SimPlayback {
  readonly channelId: string;
  readonly media: readonly string[];
  /** Asterisk's `controllable`: set once a sound:, recording: or tone: media has started, never cleared. */
  controllable: boolean;
  /** Stopped while queued: it ends when its turn comes, unplayed. */
  cancelled: boolean;
  /** Cancels the current media's timer. */
  timer: (() => void) | undefined;
}

function agentScript(phone: AgentPhone): CallScript {
  return { kind: 'answers', ringMs: phone.answerMs, detection: { status: 'HUMAN', cause: 'HUMAN-803-800', afterMs: 800 } };
}

function hangupRequestFields(cause: FarEndCause): Record<string, unknown> {
  return { cause: cause.code, ...(cause.sip ? { tech_cause: cause.sip } : {}) };
}

function splitArgs(appArgs: string | undefined): string[] {
  return appArgs ? appArgs.split(',') : [];
}

/** `"Lab Dialer" <5551000>` → { name, number }, as Asterisk parses callerId. */
function parseCallerId(callerId: string | undefined): { name: string; number: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(callerId ?? '');
  if (m) return { name: m[1] ?? '', number: m[2] ?? '' };
  return { name: '', number: callerId ?? '' };
}

function causeText(code: number): string {
  return Object.values(CAUSES).find((c) => c.code === code)?.text ?? 'Unknown';
}

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key) ?? new Set<V>();
  set.add(value);
  index.set(key, set);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set?.delete(value) || set.size > 0) return;
  index.delete(key);
}
