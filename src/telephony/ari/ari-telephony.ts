/**
 * The telephony port over Asterisk's ARI. Customers are originated into the
 * customer context (ARI_CUSTOMER_CONTEXT), which enters the Stasis
 * application on answer and plays the abandon message when no engine listens;
 * the application hears each call from its creation through its subscription
 * to the trunk's endpoint (trunk-events.ts), so no first event is lost. Once
 * answered a call is optionally `continue`d into the machine-detection context
 * that returns to Stasis with AMDSTATUS and AMDCAUSE; agents sit on nailed-up
 * legs in their own bridges, or (ARI_AGENT_CONNECTION=ring-per-call) have
 * their softphone rung for each customer and bridged with them on answer;
 * every REST request goes through the RestGate.
 *
 * One engine, one set of channels: every channel this adapter creates has an
 * id starting with its engine id and carries OUTPACE_ENGINE, and events about
 * any other channel are ignored. Each engine should have its own ARI_APP
 * (Asterisk gives an application one WebSocket); the guard covers the rest:
 * channels left by an earlier run under another engine id, or a second engine
 * connected under the same application by mistake.
 */
import { type Logger, pino } from 'pino';
import type { AgentId, AttemptId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { AnsweredParty, HangupCause } from '../../domain/outcomes.js';
import { SINGLE_SERVER_NAME } from '../../coordination/coordination.js';
import { MemoryTrunkLines } from '../../coordination/memory.js';
import { type Clock, wallClockScheduler } from '../../engine/scheduler.js';
import type { TrunkSettings } from '../../pacing/settings.js';
import type { IvrListener, IvrPort, PlayRequest } from '../ivr-port.js';
import type { CallControl, EndedBy, LeftCall, MediaUri, OriginateRequest, SupervisionRequest, TelephonyEvent, TelephonyListener, TelephonyPort, TrunkCapacity } from '../port.js';
import { type TrunkLineCount, TrunkShares } from '../trunk-shares.js';
import { unreachableCause } from './agent-endpoints.js';
import { type AgentLeg, AgentLegs } from './agent-legs.js';
import { type AriConnection, type AriRest, connectAri } from './ari-connection.js';
import { describeError, isGoneError } from './ari-errors.js';
import { type AriEvent, ariEventSchema } from './ari-events.js';
import { AriCallControls } from './call-controls.js';
import { CallRecordings, recordFromAnswerVariables } from './call-recordings.js';
import { ChannelWaits } from './channel-waits.js';
import { type AriConfig, trunkEndpoint } from './config.js';
import { type CustomerCall, CustomerCalls } from './customer-calls.js';
import { CAUSE_UNKNOWN, failedOutcome, refusedCause } from './hangup-outcome.js';
import { greetingEndedAt } from './greeting-end.js';
import { IncomingCrossings } from './incoming-crossings.js';
import { IvrPlaybacks } from './ivr-playbacks.js';
import { type LeftCustomer, type LeftLeg, findLeftBehind } from './left-behind.js';
import { Listeners } from './listeners.js';
import { OrphanChannels } from './orphan-channels.js';
import { Prompts } from './prompts.js';
import { AriRequestTimeout, RestGate, type RestGateOptions } from './rest-gate.js';
import { RungAgents } from './rung-agents.js';
import { ReturningLegs } from './returning-legs.js';
import { Supervisions } from './supervisions.js';
import { TrunkEvents } from './trunk-events.js';

export interface AriTelephonyOptions {
  readonly config: AriConfig;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Line and call-rate limits per trunk; trunks not listed get ARI_CALLS_PER_SECOND and no line limit. */
  readonly trunks?: readonly TrunkSettings[];
  /** Where the trunks' lines are counted with the other engines' on this server (Coordination.trunks); default: this process alone. */
  readonly trunkLines?: TrunkLineCount;
  /** Told how long each REST request waited for its turn and took (the benchmark); see RestGateOptions. */
  readonly restTimed?: RestGateOptions['timed'];
  /** Told each time the event socket comes back after a drop (the metrics' reconnects). */
  readonly reconnected?: () => void;
  /** Told when the event socket drops (and at each failed try to reopen it). */
  readonly dropped?: () => void;
  /** Told once the calls and agents' legs were compared with Asterisk after the socket came back (what ended unseen is reported by then). */
  readonly reconciled?: () => void;
  /** Told when another engine takes this engine's application over (ApplicationReplaced): it must stop driving calls. */
  readonly deposed?: (app: string) => void;
}

/** The AstDB family where the dialplan records calls it abandoned itself (dialplan/outpace.conf). */
const ABANDONED_FAMILY = 'outpace-abandoned';

/** How long an agent's softphone may ring when the agent logs in. */
const AGENT_RING_TIMEOUT_SEC = 30;

/** A softphone rung again for a lost leg that ended so (busy, no answer, declined) has nobody at it: the return stops there. */
const ANSWERED_BY_NOBODY = new Set([17, 18, 19, 21]);

export class AriTelephony implements TelephonyPort, IvrPort {
  private readonly listeners: Listeners<TelephonyEvent>;
  private readonly calls = new CustomerCalls();
  private readonly agents = new AgentLegs();
  /** ring-per-call: logged-in agents and their endpoints; their legs, one per call, are in `agents`. */
  private readonly agentsToRing: RungAgents;
  private readonly waits = new ChannelWaits();
  private readonly orphans = new OrphanChannels((channelId) => this.hangupChannel(channelId));
  private readonly trunkEvents: TrunkEvents;
  private readonly returning: ReturningLegs;
  private readonly prompts: Prompts;
  private readonly supervisions: Supervisions;
  private readonly ivr: IvrPlaybacks;
  private readonly gate: RestGate;
  private readonly recordings: CallRecordings;
  private readonly controls: AriCallControls;
  private readonly crossingsIn: IncomingCrossings;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly config: AriConfig;
  private readonly trunks: ReadonlyMap<string, TrunkSettings>;
  private readonly trunkShares: TrunkShares;
  private connection: AriConnection | undefined;
  /** Lost engines' applications served by this engine (takeOverApplications). */
  private readonly takenApplications = new Map<string, AriConnection>();
  private agentLegsMade = 0;
  /** Agents' legs on their way up (bridge made, originate sent): a shutdown waits for them, so that none comes up after it. */
  private readonly legSetUps = new Set<Promise<void>>();
  private shuttingDown = false;
  private readonly boot = Date.now().toString(36);
  private readonly deposed: ((app: string) => void) | undefined;

  private constructor(o: AriTelephonyOptions) {
    this.config = o.config;
    this.deposed = o.deposed;
    this.logger = o.logger ?? pino({ name: 'outpace-ari', level: process.env['LOG_LEVEL'] ?? 'info' });
    this.clock = o.clock ?? wallClockScheduler;
    this.listeners = new Listeners(this.logger, 'telephony');
    this.trunks = new Map((o.trunks ?? []).map((t) => [t.id, t]));
    this.trunkShares = new TrunkShares({
      trunks: o.trunks ?? [],
      count: o.trunkLines ?? { lines: new MemoryTrunkLines(wallClockScheduler), server: SINGLE_SERVER_NAME },
      engineId: o.config.OUTPACE_ENGINE_ID,
      // The renewals run on the wall clock, as Redis's holds do.
      scheduler: wallClockScheduler,
      logger: this.logger,
    });
    this.gate = new RestGate({
      maxConcurrent: o.config.ARI_MAX_CONCURRENT_REQUESTS,
      timeoutMs: o.config.ARI_REQUEST_TIMEOUT_MS,
      callsPerSecond: (trunk) => this.trunks.get(trunk)?.maxCallsPerSecond ?? o.config.ARI_CALLS_PER_SECOND,
      timed: o.restTimed,
    });
    this.recordings = new CallRecordings(
      this.gate,
      () => this.rest,
      this.waits,
      {
        finished: (attemptId, recording) => this.emit({ type: 'recording.finished', attemptId, at: this.clock.now(), recording }),
        failed: (attemptId, recording) => this.emit({ type: 'recording.failed', attemptId, at: this.clock.now(), recording }),
      },
      this.logger,
    );
    this.trunkEvents = new TrunkEvents({
      gate: this.gate,
      rest: () => this.rest,
      template: o.config.ARI_TRUNK_ENDPOINT,
      qualifyMs: o.config.ARI_TRUNK_QUALIFY_SEC * 1000,
      report: (event) => this.emit(event),
      clock: this.clock,
      logger: this.logger,
    });
    this.returning = new ReturningLegs({
      gate: this.gate,
      rest: () => this.rest,
      ringAgain: (agentId, endpoint) => this.ringAgain(agentId, endpoint),
      logger: this.logger,
    });
    this.prompts = new Prompts(this.gate, () => this.rest, this.waits);
    this.agentsToRing = new RungAgents(this.gate, () => this.rest, (event) => this.emit(event), this.clock, this.logger);
    this.ivr = new IvrPlaybacks(this.gate, () => this.rest, this.prompts, this.clock, this.logger);
    this.supervisions = new Supervisions({
      gate: this.gate,
      rest: () => this.rest,
      emit: (event) => this.emit(event),
      clock: this.clock,
      logger: this.logger,
      engineId: o.config.OUTPACE_ENGINE_ID,
      variables: () => this.ownerVariables(),
    });
    this.controls = new AriCallControls({
      gate: this.gate,
      rest: () => this.rest,
      agents: this.agents,
      recordings: this.recordings,
      clock: this.clock,
      logger: this.logger,
      endpointFor: (call, number) => trunkEndpoint(this.config.ARI_TRUNK_ENDPOINT, number, call.request.trunk),
      ownerVariables: () => this.ownerVariables(),
      isLive: (call) => this.calls.isLive(call),
      hangUpCustomer: (call, by) => this.hangupAs(call, by),
      hangupChannel: (channelId) => this.hangupChannel(channelId),
      emit: (event) => this.emit(event),
    });
    this.crossingsIn = new IncomingCrossings({
      gate: this.gate,
      rest: () => this.rest,
      agents: this.agents,
      recordings: this.recordings,
      now: () => this.clock.now(),
      hangupChannel: (channelId) => this.hangupChannel(channelId),
      logger: this.logger,
    });
  }

  /** Connects to Asterisk as the Stasis application ARI_APP and returns the port. */
  static async connect(o: AriTelephonyOptions): Promise<AriTelephony> {
    const telephony = new AriTelephony(o);
    telephony.connection = await connectAri({
      url: o.config.ARI_URL,
      username: o.config.ARI_USERNAME,
      password: o.config.ARI_PASSWORD,
      app: o.config.ARI_APP,
      logger: telephony.logger,
      onEvent: (event) => telephony.onAriEvent(event),
      onReconnected: () => {
        o.reconnected?.();
        // Asterisk may have restarted meanwhile, forgetting the application's subscriptions.
        telephony.trunkEvents.renew();
        void telephony.reconcile().then(() => o.reconciled?.());
      },
      ...(o.dropped ? { onDropped: o.dropped } : {}),
    });
    telephony.trunkShares.keep();
    return telephony;
  }

  close(): void {
    this.trunkShares.stop();
    this.orphans.clear();
    this.returning.clear();
    this.trunkEvents.close();
    this.connection?.close();
    for (const connection of this.takenApplications.values()) connection.close();
  }

  /**
   * Leaves Asterisk as outpace found it, then closes: every agent's leg still
   * up is hung up and its bridge destroyed, each request awaited, so that no
   * leg outlives the engine (a leg left up would sit in Stasis, ready for
   * nobody, until removed by hand). Call it after the campaigns drained and
   * logged their agents out.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.returning.clear();
    this.supervisions.endAll();
    await Promise.all([...this.legSetUps]);
    const ignoringGone = (err: unknown) => {
      if (!isGoneError(err)) this.logger.warn({ err: describeError(err) }, 'shutdown: an agent leg or bridge could not be removed');
    };
    for (const leg of this.agents.all()) leg.endRequested = true;
    await Promise.all(
      this.agents.all().flatMap((leg) => [
        this.gate.run('hangup', () => this.rest.hangup(leg.channelId)).catch(ignoringGone),
        this.gate.run('bridge destroy', () => this.rest.destroyBridge(leg.bridgeId)).catch(ignoringGone),
      ]),
    );
    this.close();
  }

  /** What the trunk can carry now on this server, over every engine; undefined for a trunk it sets no limits for. */
  trunkCapacity(trunk: string, now: EpochMs): TrunkCapacity | undefined {
    return this.trunkShares.capacity(trunk, now);
  }

  /** Follows the trunk's state from now on (`trunk.down`, `trunk.up`), before any call is dialed on it. */
  followTrunk(trunk: string): void {
    void this.trunkEvents.heard(trunk);
  }

  /** Customer calls in flight: what the benchmark watches for leaks. */
  get callsInFlight(): number {
    return this.calls.size;
  }

  /** REST requests waiting for their turn or on their way: what the benchmark watches for queueing. */
  get restRequestsPending(): number {
    return this.gate.pending;
  }

  subscribe(listener: TelephonyListener): () => void {
    return this.listeners.add(listener);
  }

  // ---- commands -------------------------------------------------------------

  originate(request: OriginateRequest): void {
    if (this.calls.get(request.attemptId)) {
      this.logger.error({ attemptId: request.attemptId }, 'originate ignored: the attempt is already in flight');
      return;
    }
    // The line is asked for at once, so that the pacing of every engine sees it taken; the originate waits for it.
    const seizing = this.trunkShares.seize(request.trunk, this.clock.now());
    const call = this.calls.add(
      request,
      `${this.config.OUTPACE_ENGINE_ID}-c-${request.attemptId}`,
      seizing.then((refused) => refused === undefined && this.trunks.has(request.trunk)),
    );
    void seizing.then((refused) => (refused === undefined ? this.dial(call) : this.originateRefused(call, new Error(refused.why), refused.full)));
  }

  /** Sends the originate of a call that holds its trunk line. */
  private dial(call: CustomerCall): void {
    const { request } = call;
    const heard = this.trunkEvents.heard(request.trunk);
    this.gate
      .originate(request.trunk, 'originate', async () => {
        // Heard from its creation through the trunk's endpoint, the call can go through the dialplan, which records it
        // from the answer and plays the abandon message if this engine is gone when it is answered.
        const viaDialplan = await heard;
        call.recordedFromAnswer = viaDialplan && request.recording !== 'none';
        return this.rest.originate({
          endpoint: trunkEndpoint(this.config.ARI_TRUNK_ENDPOINT, request.number, request.trunk),
          channelId: call.channelId,
          answeredInto: viaDialplan ? { context: this.config.ARI_CUSTOMER_CONTEXT } : { appArgs: `customer,${request.attemptId}` },
          callerId: request.callerId,
          timeoutSec: request.ringTimeoutSec,
          variables: { ...this.ownerVariables(), OUTPACE_ATTEMPT: request.attemptId, ...(viaDialplan ? recordFromAnswerVariables(request) : {}) },
        });
      })
      .then(() => {
        call.created = true;
        if (call.cancelled) this.hangupChannel(call.channelId);
      })
      .catch((err: unknown) => this.originateRefused(call, err));
  }

  connectToAgent(attemptId: AttemptId, agentId: AgentId): void {
    const call = this.calls.get(attemptId);
    if (!call || call.phase !== 'answered') {
      this.logger.warn({ attemptId, agentId, phase: call?.phase }, 'connect ignored: the call is not waiting for an agent');
      return;
    }
    if (this.config.ARI_AGENT_CONNECTION === 'ring-per-call') return this.ringAgent(call, agentId);
    const leg = this.agents.get(agentId);
    if (!leg?.up || leg.attemptId) {
      this.logger.error({ attemptId, agentId }, 'connect refused: the agent has no free leg up; the call keeps waiting');
      return;
    }
    this.putThrough(call, leg, [call.channelId]);
  }

  // ---- calls crossing to an agent on another server (docs/scaling.md) ---------

  /**
   * The customer's half: a channel over the link `endpoint` to the agent's server (which expects it: expectCrossing), rung
   * as an agent rung per call is and bridged with the customer once that server answers it; `call.connected` follows, or
   * `call.not-connected` if it ends first (refused, the link down, given up). Returns why it cannot start, or whether the
   * agent's server is to record the agent's leg (this one does not, unless the dialplan records the customer's channel from
   * the answer, which hears the agent too).
   */
  crossTo(attemptId: AttemptId, agentId: AgentId, endpoint: string, variables: Readonly<Record<string, string>>): { recordAgentLegThere: boolean } | string {
    const call = this.calls.get(attemptId);
    if (!call || call.phase !== 'answered') return `the call is not waiting for an agent (${call?.phase ?? 'gone'})`;
    if (this.agents.get(agentId)) return `agent ${agentId} has a leg on this server too`;
    const leg = this.newAgentLeg(agentId, endpoint, true);
    leg.crossing = {};
    leg.attemptId = attemptId;
    call.phase = 'ringing-agent';
    call.agentId = agentId;
    this.setUpAgentLeg(leg, AGENT_RING_TIMEOUT_SEC, variables);
    const policy = call.request.recording ?? 'all';
    return { recordAgentLegThere: !call.recordedFromAnswer && policy !== 'none' };
  }

  /** Stops waiting for the agent's server to answer a crossing (`why`, for the log): the customer waits again. */
  giveUpCrossing(attemptId: AttemptId, why: string): void {
    const call = this.calls.get(attemptId);
    const leg = call?.agentId ? this.agents.get(call.agentId) : undefined;
    if (call?.phase !== 'ringing-agent' || !leg?.crossing || leg.up) return;
    leg.crossing.givenUp = why;
    this.hangupChannel(leg.channelId);
  }

  /** The agent's half: holds the agent's free leg for the crossing of `attemptId` from another server; returns why not. */
  expectCrossing(attemptId: AttemptId, agentId: AgentId, recordAgentLeg: boolean): string | undefined {
    return this.crossingsIn.expect(attemptId, agentId, recordAgentLeg);
  }

  /** The customer's half ended or was given up: the agent's half here goes, and the agent is free. */
  endCrossing(attemptId: AttemptId): void {
    this.crossingsIn.end(attemptId);
  }

  abandon(attemptId: AttemptId, message: MediaUri): void {
    // The person has waited in silence up to the connect deadline: the message must start at once.
    this.playThenHangUp(attemptId, [message], 'abandon', { urgent: true });
  }

  leaveMessage(attemptId: AttemptId, message: readonly MediaUri[]): void {
    this.playThenHangUp(attemptId, message, 'leave message', {}, (call) => this.prompts.greetingOver(call.channelId, call.detection?.cause));
  }

  hangup(attemptId: AttemptId): void {
    const call = this.calls.get(attemptId);
    if (call) this.hangupAs(call, 'system');
  }

  /** An agent this adapter does not hold is another engine's: the request is left to it. */
  supervise(request: SupervisionRequest): void {
    const leg = this.agents.get(request.agentId);
    if (!leg && this.agentsToRing.endpointOf(request.agentId) === undefined) return;
    this.supervisions.start(request, leg);
  }

  endSupervision(sessionId: string): void {
    this.supervisions.endByRequest(sessionId);
  }

  control(attemptId: AttemptId, agentId: AgentId, control: CallControl): void {
    const call = this.calls.get(attemptId);
    if (call?.phase !== 'connected' || call.agentId !== agentId) {
      this.emit({ type: 'call.control', attemptId, agentId, control, at: this.clock.now(), failed: 'the call is not put through to this agent' });
      return;
    }
    this.controls.control(call, agentId, control);
  }

  // ---- taking over after a lost engine ----------------------------------------

  async adoptCalls(requests: readonly OriginateRequest[]): Promise<ReadonlyMap<AttemptId, LeftCall>> {
    // Ringing calls are heard from here on, whether or not they end before this engine dials.
    const viaDialplan = new Map<string, boolean>();
    for (const trunk of new Set(requests.map((r) => r.trunk))) viaDialplan.set(trunk, await this.trunkEvents.heard(trunk));
    const { customers } = await findLeftBehind(this.gate, () => this.rest);
    // Another engine's calls send their events to its application: this engine serves it from now on.
    await this.takeOverApplications(
      requests.flatMap((r) => {
        const found = customers.get(r.attemptId);
        return [found?.app, found?.agent?.app];
      }),
    );
    const adopted = new Map<AttemptId, LeftCall>();
    // Asked together (the gate bounds them): over several servers each is asked about every call, most of them elsewhere.
    const notHere = requests.filter((r) => !customers.has(r.attemptId));
    const abandoned = await Promise.all(notHere.map((request) => this.abandonedByPbx(request.attemptId)));
    notHere.forEach((request, i) => {
      const at = abandoned[i];
      if (at !== undefined) adopted.set(request.attemptId, { phase: 'abandoned-by-pbx', at });
    });
    // From the first call made this adapter's own to the return, nothing is awaited: their events, heard from then on,
    // must reach the caller after it has taken the calls over from this answer (at once, on return).
    for (const request of requests) {
      const found = customers.get(request.attemptId);
      if (!found || this.calls.get(request.attemptId)) continue;
      const left = this.adopt(request, found, viaDialplan.get(request.trunk) ?? false);
      adopted.set(request.attemptId, left);
      this.logger.info({ attemptId: request.attemptId, channelId: found.channelId, phase: left.phase }, 'call of a lost engine taken over');
    }
    // What happened to these channels between the listing and now was not heard (they were nobody's): look again.
    // The look starts with a request to Asterisk, so it ends after the caller has taken the calls over from this answer.
    if (adopted.size > 0) void this.reconcile();
    return adopted;
  }

  /**
   * Hangs up the agents' legs a lost engine of this application left (each in
   * its bridge, ready for nobody) and destroys their bridges: those of an
   * application it took over, and those `lostEngine` made (a lost engine none
   * of whose calls was left to adopt). Call it once the campaigns took their
   * calls over: a leg still talking to a customer is kept.
   */
  async removeLeftLegs(lostEngine?: string): Promise<number> {
    const { legs, emptyBridges } = await findLeftBehind(this.gate, () => this.rest);
    const lost = (leg: LeftLeg) => (leg.app !== undefined && this.serves(leg.app)) || (lostEngine !== undefined && leg.engine === lostEngine);
    const left = legs.filter((leg) => lost(leg) && !this.agents.onChannel(leg.channelId));
    // A leg's bridge is made before its channel: a run lost in between leaves the bridge alone.
    const ownBridge = `${this.config.OUTPACE_ENGINE_ID}-a-`;
    const known = new Set(this.agents.all().map((leg) => leg.bridgeId));
    const hangUp = (leg: LeftLeg) => this.gate.run('hangup', () => this.rest.hangup(leg.channelId));
    const legsLeft = await removeAll(left, hangUp);
    const stillUp = new Set(legsLeft.failed);
    // The bridge of a leg still up stays with it.
    const bridges = [
      ...left.filter((leg) => !stillUp.has(leg)).map((leg) => leg.bridgeId ?? `${leg.channelId}-bridge`),
      ...emptyBridges.filter((id) => id.startsWith(ownBridge) && !known.has(id)),
    ];
    const destroy = (id: string) => this.gate.run('bridge destroy', () => this.rest.destroyBridge(id));
    const bridgesLeft = await removeAll([...new Set(bridges)], destroy);
    if (left.length > 0) this.logger.warn({ legs: left.map((l) => l.agentId), bridges: bridges.length }, 'agent legs left by a lost engine hung up, with their bridges');
    if (legsLeft.failed.length + bridgesLeft.failed.length > 0) {
      this.logger.error(
        { legs: legsLeft.failed.map((l) => l.channelId), bridges: bridgesLeft.failed, err: legsLeft.error ?? bridgesLeft.error },
        "Asterisk refused or did not answer the removal of some of a lost engine's agent legs or bridges, twice: they stay on the PBX " +
          "(an agent logging in gets a new leg beside an old one); hang them up with `asterisk -rx 'channel request hangup <channel>'`",
      );
    }
    return left.length - legsLeft.failed.length;
  }

  /**
   * Another WebSocket took an application this engine served: its calls'
   * events go there now. This engine's own: another engine adopted its calls
   * after its lease lapsed (it was frozen or cut off), and this one must not
   * touch them (the owner of the port decides: `deposed`).
   */
  private applicationReplaced(app: string): void {
    if (app === this.config.ARI_APP) {
      this.logger.fatal({ app }, "another engine took this engine's ARI application over, with its calls: this engine no longer drives them");
      this.deposed?.(app);
      return;
    }
    this.takenApplications.get(app)?.close();
    this.takenApplications.delete(app);
    this.logger.error({ app }, "another engine took over the lost engine's application this engine served: the calls adopted from it are no longer heard here");
  }

  /** Whether events of this ARI application come here: its own, or a lost engine's it took over. */
  private serves(app: string): boolean {
    return app === this.config.ARI_APP || this.takenApplications.has(app);
  }

  /**
   * Serves the applications of lost engines whose calls this engine adopts:
   * Asterisk gives an application to one WebSocket, the latest, so each is
   * opened here and the lost engine's, should it come back, hears nothing
   * more (it is told ApplicationReplaced). Kept until this engine shuts
   * down: the ringing calls it adopted enter the application on answer.
   */
  private async takeOverApplications(apps: readonly (string | undefined)[]): Promise<void> {
    for (const app of new Set(apps)) {
      if (app === undefined || this.serves(app)) continue;
      const connection = await connectAri({
        url: this.config.ARI_URL,
        username: this.config.ARI_USERNAME,
        password: this.config.ARI_PASSWORD,
        app,
        takingOver: true,
        logger: this.logger.child({ app }),
        onEvent: (event) => this.onAriEvent(event),
        onReconnected: () => void this.reconcile(),
      });
      this.takenApplications.set(app, connection);
      this.logger.warn({ app }, "a lost engine's ARI application taken over: the events of its calls come to this engine");
    }
  }

  /**
   * When the dialplan played the abandon message to this call because no
   * engine listened, it left the time in AstDB (dialplan/outpace.conf,
   * [outpace-customer]): read once, and deleted in the same request.
   */
  private async abandonedByPbx(attemptId: AttemptId): Promise<EpochMs | undefined> {
    const value = await this.gate
      .run('abandon record', () => this.rest.globalVar(`DB_DELETE(${ABANDONED_FAMILY}/${attemptId})`))
      .catch((err: unknown) => {
        this.logger.warn({ attemptId, err: describeError(err) }, "the PBX's abandon record could not be read");
        return '';
      });
    const seconds = Number(value);
    return value && Number.isFinite(seconds) ? seconds * 1000 : undefined;
  }

  /** Makes a lost engine's call this adapter's own, in the phase the PBX shows. */
  private adopt(request: OriginateRequest, found: LeftCustomer, viaDialplan: boolean): LeftCall {
    const call = this.calls.add(request, found.channelId, Promise.resolve(this.trunkShares.adopted(request.trunk, this.clock.now())));
    call.created = true;
    // The lost engine dialed it as this one does: through the dialplan, recording from the answer, when the trunk is followed.
    call.recordedFromAnswer = viaDialplan && request.recording !== 'none';
    const now = this.clock.now();
    const { channel, agent } = found;
    if (channel.state !== 'Up') {
      call.rang = channel.state === 'Ringing';
      return { phase: 'ringing' };
    }
    call.answeredAt = now;
    if (channel.appName !== 'Stasis') {
      call.phase = 'detecting';
      return { phase: 'detecting' };
    }
    if (!agent?.bridgeId) {
      call.phase = 'answered';
      return { phase: 'answered' };
    }
    call.phase = 'connected';
    call.agentId = agent.agentId;
    this.agents.add({
      agentId: agent.agentId,
      endpoint: '',
      channelId: agent.channelId,
      bridgeId: agent.bridgeId,
      perCall: false,
      created: true,
      up: true,
      attemptId: request.attemptId,
      adopted: true,
      returning: false,
      endRequested: false,
    });
    this.recordings.adopt(call, now);
    // The agent's screen learns which call their disposition is for.
    this.emit({ type: 'call.connected', attemptId: request.attemptId, agentId: agent.agentId, at: now });
    return { phase: 'connected', agentId: agent.agentId };
  }

  // ---- IVR (broadcast campaigns) ----------------------------------------------

  playOnCall(attemptId: AttemptId, request: PlayRequest): void {
    const call = this.calls.get(attemptId);
    if (!call || call.phase !== 'answered') {
      this.logger.warn({ attemptId, phase: call?.phase }, 'IVR playback ignored: the call is not answered');
      return;
    }
    this.ivr.play(call, request, () => this.calls.isLive(call));
  }

  stopPlaying(attemptId: AttemptId): void {
    const call = this.calls.get(attemptId);
    if (call) this.ivr.stop(call);
  }

  subscribeIvr(listener: IvrListener): () => void {
    return this.ivr.subscribe(listener);
  }

  loginAgent(agentId: AgentId, endpoint: string): void {
    if (this.shuttingDown) {
      this.logger.warn({ agentId }, 'login ignored: outpace is shutting down');
      return;
    }
    if (this.config.ARI_AGENT_CONNECTION === 'ring-per-call') return this.agentsToRing.login(agentId, endpoint);
    const held = this.agents.get(agentId);
    if (held?.adopted && held.up) {
      // Back after their engine was lost, still talking to its customer: the leg is theirs again, no second one rings.
      this.agents.add({ ...held, endpoint, adopted: false });
      this.emit({ type: 'agent.leg-up', agentId, at: this.clock.now() });
      return;
    }
    if (held) {
      // Asked again (their PBX was out of reach a while, and the leg outlived it): said up again, no second leg rings.
      if (held.up) this.emit({ type: 'agent.leg-up', agentId, at: this.clock.now() });
      else this.logger.warn({ agentId }, 'login ignored: the agent\'s leg is on its way up');
      return;
    }
    // Asked again while their lost leg is being brought back (their PBX back after a restart, and the port over several
    // servers asks for its agents' legs): that return rings now, once; not set up, it is tried again later, as any return.
    if (this.returning.has(agentId)) return this.returning.tryNow(agentId);
    this.setUpAgentLeg(this.newAgentLeg(agentId, endpoint, false), AGENT_RING_TIMEOUT_SEC);
  }

  logoutAgent(agentId: AgentId): void {
    const leg = this.agents.get(agentId);
    this.returning.cancel(agentId);
    // Rung per call: a call in progress ends by the agent, and the login ends now (there is no leg whose end would say so).
    if (leg) {
      leg.endRequested = true;
      this.hangupChannel(leg.channelId);
    }
    if (this.config.ARI_AGENT_CONNECTION === 'ring-per-call') this.agentsToRing.logout(agentId);
  }

  // ---- what Asterisk says ---------------------------------------------------

  private onAriEvent(raw: unknown): void {
    const parsed = ariEventSchema.safeParse(raw);
    if (!parsed.success) {
      this.logger.warn({ issues: parsed.error.issues, type: (raw as { type?: unknown })?.type }, 'ARI event not understood; ignored');
      return;
    }
    this.handle(parsed.data);
  }

  private handle(e: AriEvent): void {
    switch (e.type) {
      case 'Dial':
        return this.onDial(e.peer.id, e.dialstatus);
      case 'StasisStart':
        return this.onStasisStart(e.channel.id, e.args);
      case 'ChannelDestroyed':
        return this.onChannelGone(e.channel.id, {
          code: e.cause,
          text: e.cause_txt,
          ...(e.tech_cause === undefined ? {} : { techCause: e.tech_cause }),
        });
      case 'RecordingFinished': {
        const finished = this.recordings.finished(e.recording.name, e.recording.duration, this.clock.now());
        if (finished) this.emit({ type: 'recording.finished', at: this.clock.now(), attemptId: finished.attemptId, recording: { ...finished.recording, format: e.recording.format } });
        return;
      }
      case 'RecordingFailed': {
        // Started, then lost: reported as a recording that could not be made, with Asterisk's cause.
        const failed = this.recordings.finished(e.recording.name, undefined, this.clock.now());
        if (!failed) return;
        const { name, leg } = failed.recording;
        this.emit({ type: 'recording.failed', at: this.clock.now(), attemptId: failed.attemptId, recording: { name, leg, why: e.recording.cause ?? `recording ${e.recording.state}` } });
        return;
      }
      case 'PlaybackFinished':
        if (!this.ivr.finished(e.playback.id)) this.prompts.playbackFinished(e.playback.id);
        return;
      case 'ChannelDtmfReceived': {
        const call = this.calls.onChannel(e.channel.id);
        if (call) this.ivr.key(call, e.digit);
        return;
      }
      case 'ChannelHangupRequest':
        if (this.calls.onChannel(e.channel.id)) this.ivr.hangupRequested(e.channel.id);
        return;
      case 'ChannelTalkingStarted':
        return this.waits.release(e.channel.id, 'talking');
      case 'ChannelTalkingFinished':
        return this.waits.release(e.channel.id, 'silent');
      case 'EndpointStateChange': {
        const endpoint = `${e.endpoint.technology}/${e.endpoint.resource}`;
        if (e.endpoint.state === 'offline') this.endpointOffline(endpoint);
        if (e.endpoint.state === 'online') this.returning.online(endpoint);
        this.trunkEvents.endpointChanged(endpoint, e.endpoint.state);
        return;
      }
      case 'ContactStatusChange':
        return this.trunkEvents.contactChanged(`${e.endpoint.technology}/${e.endpoint.resource}`, e.contact_info.contact_status, e.endpoint.state);
      case 'ApplicationReplaced':
        return this.applicationReplaced(e.application);
    }
  }

  /**
   * A softphone unregistered (or stopped answering qualify): its agents leave
   * ready at once. A nailed-up leg is hung up (its end reports the agent
   * down); an agent rung per call has no channel, so is reported down here.
   */
  private endpointOffline(endpoint: string): void {
    for (const leg of this.agents.all()) if (!leg.perCall && leg.endpoint === endpoint) this.hangupChannel(leg.channelId);
    for (const agentId of this.agentsToRing.onEndpoint(endpoint)) {
      this.agentsToRing.leave(agentId, unreachableCause(`${endpoint} went offline: the softphone unregistered`));
    }
  }

  /** Asks Asterisk for the endpoint's state changes: a softphone that unregisters is then heard at once. */
  private watchEndpoint(agentId: AgentId): void {
    const endpoint = this.agentsToRing.endpointOf(agentId) ?? this.agents.get(agentId)?.endpoint;
    if (!endpoint) return;
    this.gate
      .run('endpoint subscribe', () => this.rest.subscribe(`endpoint:${endpoint}`))
      .catch((err: unknown) => this.logger.warn({ agentId, endpoint, err }, 'endpoint state not followed: an unregistered softphone is noticed at its next call'));
  }

  private onDial(channelId: string, dialstatus: string): void {
    const call = this.calls.onChannel(channelId);
    if (!call) {
      this.orphans.seen(channelId);
      return;
    }
    call.created = true;
    if (!dialstatus) return;
    call.lastDialstatus = dialstatus;
    if (dialstatus === 'RINGING' && !call.rang) {
      call.rang = true;
      this.emit({ type: 'call.ringing', attemptId: call.request.attemptId, at: this.clock.now() });
    }
  }

  private onStasisStart(channelId: string, args: readonly string[]): void {
    const call = this.calls.onChannel(channelId);
    if (call) {
      call.created = true;
      return this.customerInStasis(call, args);
    }
    if (this.orphans.seen(channelId)) return;
    const leg = this.agents.onChannel(channelId);
    if (leg && args[0] === 'agent') return leg.perCall ? this.rungAgentAnswered(leg) : this.agentAnswered(leg);
    if (this.recordings.snoopEntered(channelId, args)) return;
    if (this.supervisions.entered(channelId, args)) return;
    if (this.controls.partyEntered(channelId, args)) return;
    if (this.crossingsIn.entered(channelId, args)) return;
    this.logger.debug({ channelId, args }, 'StasisStart for a channel this engine does not drive');
  }

  private customerInStasis(call: CustomerCall, args: readonly string[]): void {
    if (call.endRequestedBy) return this.hangupChannel(call.channelId);
    if (args[0] === 'amd') {
      if (call.phase !== 'detecting') return;
      const [, status = 'NOTSURE', cause = ''] = args;
      call.detection = { status, cause };
      return this.answered(call, partyFromDetection(status), call.detection);
    }
    // Answered once only: a reconcile may already have seen this answer.
    if (call.phase !== 'dialing') return;
    call.answeredAt = this.clock.now();
    if (!call.request.machineDetection) return this.answered(call, 'human');
    call.phase = 'detecting';
    this.gate.run('continue to AMD', () => this.rest.continueInDialplan(call.channelId, this.config.ARI_AMD_CONTEXT)).catch((err: unknown) => {
      if (!this.calls.isLive(call) || isGoneError(err)) return;
      // Without a verdict, treat the answer as a person: never leave a live customer unserved.
      this.logger.error({ attemptId: call.request.attemptId, err: describeError(err) }, 'machine detection could not start');
      this.answered(call, 'human');
    });
  }

  private answered(call: CustomerCall, party: AnsweredParty, detection?: { status: string; cause: string }): void {
    call.phase = 'answered';
    const now = this.clock.now();
    const answeredAt = call.answeredAt ?? now;
    this.emit({
      type: 'call.answered',
      attemptId: call.request.attemptId,
      at: now,
      answeredAt,
      party,
      ...(detection ? { detection, greetingEndedAt: greetingEndedAt(now, answeredAt, detection.cause) } : {}),
    });
  }

  private agentAnswered(leg: AgentLeg): void {
    this.gate
      .run('agent bridge addChannel', () => this.rest.addToBridge(leg.bridgeId, [leg.channelId]))
      .then(() => {
        leg.up = true;
        this.returning.cancel(leg.agentId);
        this.emit({ type: 'agent.leg-up', agentId: leg.agentId, at: this.clock.now() });
      })
      .catch((err: unknown) => {
        this.logger.error({ agentId: leg.agentId, err: describeError(err) }, 'agent leg could not join its bridge');
        this.hangupChannel(leg.channelId);
      });
  }

  /** ChannelDestroyed, or a channel found missing after a reconnect. */
  private onChannelGone(channelId: string, cause: HangupCause): void {
    this.orphans.gone(channelId);
    const call = this.calls.onChannel(channelId);
    if (call) return this.settle(call, cause);
    const leg = this.agents.onChannel(channelId);
    if (leg) return this.agentLegGone(leg, cause);
    if (this.supervisions.channelGone(channelId)) return;
    if (this.crossingsIn.channelGone(channelId)) return;
    this.controls.partyGone(channelId, cause.text, (attemptId) => this.calls.get(attemptId));
  }

  /** Reports the end of a customer call: exactly one answered-or-failed, then the end if it was answered. */
  private settle(call: CustomerCall, cause: HangupCause): void {
    this.dropCall(call);
    this.supervisions.callEnded(call.request.attemptId);
    this.waits.releaseAll(call.channelId);
    this.ivr.forget(call.channelId);
    this.controls.callEnded(call);
    const { attemptId } = call.request;
    const at = this.clock.now();
    if (call.agentId) {
      const leg = this.agents.get(call.agentId);
      if (leg?.attemptId === attemptId) {
        leg.attemptId = undefined;
        // Rung per call: the agent's call was this customer's; it ends with them. Taken over from a lost engine: the agent is not back for it.
        if (leg.perCall || leg.adopted) this.hangupChannel(leg.channelId);
      }
      void this.recordings.stop(call);
    }
    void this.recordings.endedFromAnswer(call, at);
    if (call.phase === 'dialing' && !call.endRequestedBy) {
      this.emit({ type: 'call.failed', attemptId, at, outcome: failedOutcome(cause, call.lastDialstatus), cause });
      return;
    }
    if (call.phase === 'detecting' && !call.endRequestedBy) {
      // The far end answered and left before detection decided: count it as answered by a person, the safe side for abandon rates.
      this.answered(call, 'human', { status: 'HANGUP', cause: 'hung up during machine detection' });
    }
    this.emit({ type: 'call.ended', attemptId, at, endedBy: call.endRequestedBy ?? 'customer', cause });
  }

  private agentLegDown(leg: AgentLeg, cause: HangupCause): void {
    this.agents.remove(leg);
    this.crossingsIn.agentGone(leg);
    this.gate.run('bridge destroy', () => this.rest.destroyBridge(leg.bridgeId)).catch(() => undefined);
    const call = leg.attemptId ? this.calls.get(leg.attemptId) : undefined;
    if (call) this.hangupAs(call, 'agent');
    const at = this.clock.now();
    if (this.returning.has(leg.agentId) && leg.returning) {
      // Rung again and not answered: a softphone that declined or rang out means the agent is not there; anything else, try later.
      if (ANSWERED_BY_NOBODY.has(cause.code)) {
        this.returning.cancel(leg.agentId);
        this.emit({ type: 'agent.leg-down', agentId: leg.agentId, at, cause });
      } else this.returning.notUpYet(leg.agentId);
      return;
    }
    const returning = leg.up && !leg.endRequested && !leg.adopted && !this.shuttingDown;
    if (returning) {
      this.logger.warn({ agentId: leg.agentId, endpoint: leg.endpoint, cause }, "agent's leg lost: the agent leaves ready, and their softphone is rung again once it can be reached");
      this.returning.lost(leg.agentId, leg.endpoint);
    }
    this.emit({ type: 'agent.leg-down', agentId: leg.agentId, at, cause, ...(returning ? { returning: true as const } : {}) });
  }

  /** A leg lost through no doing of the agent's: their softphone, reachable again, is rung for a new one. */
  private ringAgain(agentId: AgentId, endpoint: string): void {
    if (this.agents.get(agentId) || this.shuttingDown) return this.returning.cancel(agentId);
    const leg = this.newAgentLeg(agentId, endpoint, false);
    leg.returning = true;
    this.setUpAgentLeg(leg, AGENT_RING_TIMEOUT_SEC);
  }

  /** An agent's channel ended, or could not be made: what that means depends on how the agent is reached. */
  private agentLegGone(leg: AgentLeg, cause: HangupCause): void {
    if (leg.perCall) this.rungLegGone(leg, cause);
    else this.agentLegDown(leg, cause);
  }

  /** Fresh ids for every leg: an earlier leg's bridge may still be being destroyed. */
  private newAgentLeg(agentId: AgentId, endpoint: string, perCall: boolean): AgentLeg {
    // The boot keeps the ids of an engine started again under its id apart from the legs its lost run may have left.
    const channelId = `${this.config.OUTPACE_ENGINE_ID}-a-${agentId}-${this.boot}-${++this.agentLegsMade}`;
    const leg: AgentLeg = {
      agentId,
      endpoint,
      channelId,
      bridgeId: `${channelId}-bridge`,
      perCall,
      created: false,
      up: false,
      attemptId: undefined,
      adopted: false,
      returning: false,
      endRequested: false,
    };
    this.agents.add(leg);
    return leg;
  }

  /** Creates the leg's bridge and rings the agent's softphone into the application; its StasisStart is the answer. */
  private setUpAgentLeg(leg: AgentLeg, ringTimeoutSec: number, variables: Readonly<Record<string, string>> = {}): void {
    const setUp = this.gate
      .run('bridge create', () => this.rest.createBridge(leg.bridgeId, `agent-${leg.agentId}`))
      .then(() =>
        this.gate.run('agent originate', () =>
          this.rest.originate({
            endpoint: leg.endpoint,
            channelId: leg.channelId,
            answeredInto: { appArgs: `agent,${leg.agentId}` },
            timeoutSec: ringTimeoutSec,
            // OUTPACE_AGENT: an engine taking over after this one was lost knows whose leg it is.
            variables: { ...this.ownerVariables(), OUTPACE_AGENT: leg.agentId, ...variables },
          }),
        ),
      )
      .then(() => {
        leg.created = true;
        // A crossing given up before its originate went out: its hangup found no channel then.
        if (leg.crossing?.givenUp) this.hangupChannel(leg.channelId);
      })
      .catch((err: unknown) => {
        this.logger.error({ agentId: leg.agentId, endpoint: leg.endpoint, err: describeError(err) }, 'agent leg could not be set up');
        this.agentLegGone(leg, refusedCause(describeError(err)));
      });
    this.legSetUps.add(setUp);
    void setUp.then(() => this.legSetUps.delete(setUp));
  }

  /** Puts the customer through to the agent's bridge (with the agent's own channel, when rung for this call), then records every leg. */
  private putThrough(call: CustomerCall, leg: AgentLeg, joining: readonly string[]): void {
    const { attemptId } = call.request;
    const { agentId } = leg;
    call.phase = 'connected';
    call.agentId = agentId;
    leg.attemptId = attemptId;
    this.gate
      // Urgent: the customer is waiting in silence (see RestGate.run).
      .run('bridge addChannel', () => this.rest.addToBridge(leg.bridgeId, joining), { urgent: true })
      .then(() => {
        if (!this.calls.isLive(call)) return;
        this.emit({ type: 'call.connected', attemptId, agentId, at: this.clock.now() });
        // Crossing: the agent's leg is on their own server, which records it (crossTo).
        return this.recordings.start(call, leg.crossing ? { bridgeId: leg.bridgeId } : leg, this.clock.now());
      })
      .catch((err: unknown) => {
        // A customer who left meanwhile makes Asterisk refuse (channel not found / not in Stasis): ChannelDestroyed reports it.
        if (!this.calls.isLive(call) || isGoneError(err)) return;
        this.logger.error({ attemptId, agentId, err: describeError(err) }, 'could not put the call through; hanging up');
        this.hangupAs(call, 'system');
      });
  }

  // ---- agents rung per call (ARI_AGENT_CONNECTION=ring-per-call) --------------

  /** The customer keeps waiting (phase ringing-agent) until the agent's softphone answers. */
  private ringAgent(call: CustomerCall, agentId: AgentId): void {
    const endpoint = this.agentsToRing.endpointOf(agentId);
    if (endpoint === undefined || this.agents.get(agentId)) {
      this.logger.error({ attemptId: call.request.attemptId, agentId }, 'connect refused: the agent is not logged in or is on another call; the call keeps waiting');
      return;
    }
    const leg = this.newAgentLeg(agentId, endpoint, true);
    leg.attemptId = call.request.attemptId;
    call.phase = 'ringing-agent';
    call.agentId = agentId;
    this.setUpAgentLeg(leg, this.config.ARI_AGENT_ANSWER_TIMEOUT_SEC);
  }

  private rungAgentAnswered(leg: AgentLeg): void {
    const call = leg.attemptId ? this.calls.get(leg.attemptId) : undefined;
    // The customer left, or was given up on, while the agent's phone rang; or the crossing was given up (its end says so).
    if (call?.phase !== 'ringing-agent' || call.agentId !== leg.agentId || leg.crossing?.givenUp) return this.hangupChannel(leg.channelId);
    leg.up = true;
    this.putThrough(call, leg, [call.channelId, leg.channelId]);
  }

  /**
   * The agent's call for a customer ended. Answered: one side hung up, so the
   * other goes too, and the agent waits for the next customer. Not answered
   * while the customer still waits: the agent did not take the call (or could
   * not be rung) and is reported unavailable; the customer keeps waiting, for
   * the engine's connect deadline.
   */
  private rungLegGone(leg: AgentLeg, cause: HangupCause): void {
    this.agents.remove(leg);
    this.gate.run('bridge destroy', () => this.rest.destroyBridge(leg.bridgeId)).catch(() => undefined);
    const call = leg.attemptId ? this.calls.get(leg.attemptId) : undefined;
    if (leg.up) {
      if (call) this.hangupAs(call, 'agent');
      return;
    }
    if (call?.phase !== 'ringing-agent' || call.agentId !== leg.agentId) return;
    call.phase = 'answered';
    call.agentId = undefined;
    if (!leg.crossing) return this.agentsToRing.leave(leg.agentId, cause);
    const why = leg.crossing.givenUp ?? `the link to the agent's server ended the crossing unanswered (${cause.code} ${cause.text})`;
    this.emit({ type: 'call.not-connected', attemptId: call.request.attemptId, agentId: leg.agentId, at: this.clock.now(), why });
  }

  /** An abandon or a message while the agent's phone still rings: that agent is not to get this customer. */
  private stopRingingAgent(call: CustomerCall): void {
    if (call.phase !== 'ringing-agent' || !call.agentId) return;
    const leg = this.agents.get(call.agentId);
    call.phase = 'answered';
    call.agentId = undefined;
    if (leg) this.hangupChannel(leg.channelId);
  }

  /**
   * After the event stream comes back: Asterisk does not replay what it sent
   * meanwhile, so compare the calls and agent legs in memory with the
   * channels and bridges that exist, and settle what ended unseen.
   */
  private async reconcile(): Promise<void> {
    let channels;
    let bridges;
    try {
      [channels, bridges] = await Promise.all([
        this.gate.run('list channels', () => this.rest.listChannels()).then((list) => new Map(list.map((c) => [c.id, c]))),
        this.gate.run('list bridges', () => this.rest.listBridges()).then((list) => new Set(list.map((b) => b.id))),
      ]);
    } catch (err) {
      this.logger.error({ err: describeError(err) }, 'reconcile: could not list channels and bridges');
      return;
    }
    for (const call of this.calls.all()) {
      const channel = channels.get(call.channelId);
      if (!channel && call.created) await this.goneUnheard(call);
      else if (channel?.appName === 'Stasis' && call.phase === 'dialing') this.customerInStasis(call, ['customer']);
    }
    for (const leg of this.agents.all()) {
      if (leg.created && !channels.has(leg.channelId)) this.agentLegGone(leg, CAUSE_UNKNOWN);
      // A leg without its bridge cannot take calls: end it, and the agent leaves ready (leg-down follows).
      else if (leg.up && !bridges.has(leg.bridgeId)) this.hangupChannel(leg.channelId);
    }
    this.logger.info({ calls: this.calls.size }, 'reconciled with Asterisk');
  }

  /**
   * A call that ended while the event stream was down. Answered meanwhile,
   * it found no application and the dialplan played the abandon message
   * (its record says when): reported as answered and abandoned by the PBX.
   */
  private async goneUnheard(call: CustomerCall): Promise<void> {
    const unanswered = call.phase === 'dialing' || call.phase === 'detecting';
    const abandonedAt = unanswered && !call.endRequestedBy ? await this.abandonedByPbx(call.request.attemptId) : undefined;
    if (!this.calls.isLive(call)) return;
    if (abandonedAt !== undefined) {
      call.phase = 'answered';
      const { attemptId } = call.request;
      this.emit({ type: 'call.answered', attemptId, at: this.clock.now(), answeredAt: abandonedAt, party: 'human', abandonedByPbx: true });
      return this.settle(call, { code: 16, text: 'Answered while the engine was not heard: the PBX played the abandon message' });
    }
    this.onChannelGone(call.channelId, CAUSE_UNKNOWN);
  }

  // ---- helpers --------------------------------------------------------------

  private playThenHangUp(
    attemptId: AttemptId,
    media: readonly MediaUri[],
    what: string,
    urgency: { urgent?: boolean },
    before: (call: CustomerCall) => Promise<void> = async () => undefined,
  ): void {
    const call = this.calls.get(attemptId);
    if (!call || call.phase === 'dialing') {
      this.logger.warn({ attemptId, phase: call?.phase }, `${what} ignored: the call is not answered`);
      return;
    }
    this.stopRingingAgent(call);
    void (async () => {
      try {
        await before(call);
        await this.prompts.play(call.channelId, media, () => this.calls.isLive(call), urgency);
      } catch (err) {
        if (!this.calls.isLive(call) || isGoneError(err)) return;
        this.logger.error({ attemptId, err: describeError(err) }, `${what}: the prompt could not be played`);
      }
      if (this.calls.isLive(call)) this.hangupAs(call, 'system');
    })();
  }

  private hangupAs(call: CustomerCall, by: EndedBy): void {
    call.endRequestedBy ??= by;
    call.cancelled = true;
    if (call.created || call.phase !== 'dialing') this.hangupChannel(call.channelId);
  }

  private hangupChannel(channelId: string): void {
    this.gate.run('hangup', () => this.rest.hangup(channelId)).catch((err: unknown) => {
      if (!isGoneError(err)) this.logger.warn({ channelId, err: describeError(err) }, 'hangup failed');
    });
  }

  /** `trunkFull`: refused its line before anything was asked of Asterisk, the trunk carrying its limit over every engine. */
  private originateRefused(call: CustomerCall, err: unknown, trunkFull = false): void {
    if (!this.calls.isLive(call)) return;
    const detail = describeError(err);
    if (err instanceof AriRequestTimeout) {
      if (call.created) {
        // Asterisk made the call (its events arrived) and only the answer to the request was late.
        this.logger.warn({ attemptId: call.request.attemptId, detail }, 'originate answered late; the call goes on');
        return;
      }
      // The request may still be carried out: make sure no call rings that nobody watches.
      this.orphans.add(call.channelId);
      this.hangupChannel(call.channelId);
    }
    this.dropCall(call);
    const { attemptId } = call.request;
    const at = this.clock.now();
    this.logger.warn({ attemptId, detail }, 'originate refused');
    if (call.endRequestedBy) this.emit({ type: 'call.ended', attemptId, at, endedBy: call.endRequestedBy, cause: refusedCause(detail) });
    else this.emit({ type: 'call.failed', attemptId, at, outcome: 'failed', cause: refusedCause(detail), detail, ...(trunkFull ? { trunkFull: true as const } : {}) });
  }

  /** The call's end is reported: it leaves the table, and its trunk line is given back to every engine. */
  private dropCall(call: CustomerCall): void {
    if (!this.calls.isLive(call)) return;
    this.calls.remove(call);
    void call.holdsLine.then((held) => held && this.trunkShares.release(call.request.trunk));
  }

  private ownerVariables(): Record<string, string> {
    return { OUTPACE_ENGINE: this.config.OUTPACE_ENGINE_ID, OUTPACE_APP: this.config.ARI_APP };
  }

  private get rest(): AriRest {
    if (!this.connection) throw new Error('AriTelephony used before connect() finished');
    return this.connection.rest;
  }

  private emit(event: TelephonyEvent): void {
    if (event.type === 'agent.leg-up') this.watchEndpoint(event.agentId);
    this.listeners.emit(event);
  }
}

/** NOTSURE and HANGUP are treated as people: hanging up on a live person is the costly mistake. */
function partyFromDetection(status: string): AnsweredParty {
  return status === 'MACHINE' ? 'machine' : 'human';
}

/**
 * Removes each thing left behind (a leg, a bridge), trying once more those
 * whose removal failed other than by being gone already: a loaded PBX may not
 * answer in time, and a takeover must not fail for one leg.
 */
async function removeAll<T>(things: readonly T[], remove: (thing: T) => Promise<unknown>): Promise<{ failed: T[]; error: unknown }> {
  let error: unknown;
  const tryEach = async (batch: readonly T[]) => {
    const failed: T[] = [];
    await Promise.all(
      batch.map((thing) =>
        remove(thing).catch((err: unknown) => {
          if (isGoneError(err) || /Bridge not found/i.test(describeError(err))) return;
          error = err;
          failed.push(thing);
        }),
      ),
    );
    return failed;
  };
  return { failed: await tryEach(await tryEach(things)), error };
}
