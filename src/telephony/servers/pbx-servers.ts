/**
 * The telephony port over several Asterisk servers: one adapter per server
 * (AriTelephony, its own ARI connection), and the engine above sees one port.
 *
 * A customer meets an agent on the server the call is on: each customer is
 * dialed on the server where the most agents are expected free when they
 * answer (server-choice.ts), within that server's trunk limits, and the
 * engine's routing puts an answered call only through to an agent it can
 * meet (canMeet): on its own server, or, with OUTPACE_CROSS_SERVER_AFTER_MS,
 * after that wait one on another server, through the inter-PBX link
 * (crossings.ts). The engine paces over all its agents within the trunks of
 * the servers that are up (trunkCapacity). docs/scaling.md weighs the two
 * with measured figures.
 *
 * A server whose event socket is gone stops taking new calls at once; gone
 * for longer than `downAfterMs`, its agents leave ready (agent.leg-down that
 * returning: they stay logged in) and its calls are reported ended, since the
 * engine can no longer hear or steer them. Back, its agents' legs are asked
 * for again and they return to ready; a call written off that is still up
 * there is hung up.
 */
import type { Logger } from 'pino';
import type { AgentId, AttemptId, TrunkId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { HangupCause } from '../../domain/outcomes.js';
import type { Scheduler } from '../../engine/scheduler.js';
import { describeError } from '../ari/ari-errors.js';
import { Listeners } from '../ari/listeners.js';
import type { IvrEvent, IvrListener, IvrPort, PlayRequest } from '../ivr-port.js';
import type {
  CallControl,
  LeftCall,
  MediaUri,
  OriginateRequest,
  SupervisionRequest,
  TelephonyEvent,
  TelephonyListener,
  TelephonyPort,
  TrunkCapacity,
} from '../port.js';
import { PbxServer, type ServerPort } from './pbx-server.js';
import { Crossings } from './crossings.js';
import { chooseServer } from './server-choice.js';
import type { PbxServerConfig, PbxServersConfig } from './servers-config.js';

/** What a server's adapter tells about its event socket. */
export interface ServerLink {
  dropped(): void;
  /** The socket is back and what ended unseen has been reported. */
  reconciled(): void;
}

export type ConnectServer = (server: PbxServerConfig, link: ServerLink) => Promise<ServerPort>;

export interface PbxServersOptions {
  readonly config: PbxServersConfig;
  readonly connect: ConnectServer;
  /** The server an agent's softphone is on (their stored record); with one server, that one. */
  readonly agentServer: (agentId: AgentId) => Promise<string | undefined>;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** How long to wait before trying again to connect to a server that did not answer. */
  readonly retryConnectMs?: number;
}

/** The share of calls answered by a person, before any is seen. */
const FIRST_ANSWER_RATE = 0.3;
/** How fast the share follows what is seen: about the last 200 calls. */
const ANSWER_RATE_WEIGHT = 1 / 200;

interface HeldEvents {
  /** The servers that answered. */
  readonly from: Set<PbxServer>;
  readonly events: Array<[PbxServer, TelephonyEvent]>;
  /** Adoptions under way. */
  adoptions: number;
}

export class PbxServers implements TelephonyPort, IvrPort {
  private readonly listeners: Listeners<TelephonyEvent>;
  private readonly ivrListeners: Listeners<IvrEvent>;
  private readonly servers: ReadonlyMap<string, PbxServer>;
  private readonly callServer = new Map<AttemptId, PbxServer>();
  /** The calls this engine placed, with the servers whose trunk refused them a line: until their end. */
  private readonly dialing = new Map<AttemptId, { readonly request: OriginateRequest; readonly refusedBy: ReadonlySet<PbxServer> }>();
  /** Each trunk's servers that find it down (trunkState). */
  private readonly trunksDown = new Map<string, Set<string>>();
  private readonly agentServers = new Map<AgentId, PbxServer>();
  private readonly crossings: Crossings;
  private answerRate = FIRST_ANSWER_RATE;
  /** While a takeover's adoption is under way: the events of the servers that already answered (adoptCalls). */
  private held: HeldEvents | undefined;
  private closed = false;

  private constructor(private readonly o: PbxServersOptions) {
    this.listeners = new Listeners(o.logger, 'telephony');
    this.ivrListeners = new Listeners(o.logger, 'ivr');
    this.servers = new Map(o.config.servers.map((s) => [s.name, new PbxServer(s)]));
    this.crossings = new Crossings({ crossAfterMs: o.config.crossAfterMs, scheduler: o.scheduler, logger: o.logger, emit: (e) => this.emit(e) });
  }

  /** Connects to every server; one that does not answer is tried again in the background, its agents out of ready meanwhile. */
  static async connect(o: PbxServersOptions): Promise<PbxServers> {
    const port = new PbxServers(o);
    await Promise.all([...port.servers.values()].map((s) => port.open(s)));
    return port;
  }

  /** The servers and whether each is up, for health and the benchmark. */
  status(): { readonly name: string; readonly up: boolean; readonly agentsUp: number; readonly calls: number }[] {
    return [...this.servers.values()].map((s) => ({ name: s.name, up: s.up, agentsUp: s.legsUp.size, calls: s.calls.size }));
  }

  /** Calls put through to an agent on another server so far. */
  get crossingsConnected(): number {
    return this.crossings.connectedCount;
  }

  get restRequestsPending(): number {
    let n = 0;
    for (const s of this.servers.values()) n += s.port?.restRequestsPending ?? 0;
    return n;
  }

  subscribe(listener: TelephonyListener): () => void {
    return this.listeners.add(listener);
  }

  subscribeIvr(listener: IvrListener): () => void {
    return this.ivrListeners.add(listener);
  }

  // ---- where calls go ---------------------------------------------------------

  trunkCapacity(trunk: TrunkId, now: EpochMs): TrunkCapacity {
    let linesFree = 0;
    let callsAllowedNow = 0;
    for (const s of this.servers.values()) {
      const capacity = s.capacity(trunk, now);
      linesFree += capacity.linesFree;
      callsAllowedNow += capacity.callsAllowedNow;
    }
    return { linesFree, callsAllowedNow };
  }

  canMeet(attemptId: AttemptId, agentId: AgentId, waitedMs: number): boolean {
    const server = this.callServer.get(attemptId);
    const agentOn = this.agentServers.get(agentId);
    if (!server?.up || !agentOn) return false;
    return server === agentOn || this.crossings.mayCross(server, agentOn, attemptId, waitedMs);
  }

  get meetsMoreAfterMs(): number | undefined {
    const after = this.o.config.crossAfterMs;
    return after === 'off' || after === 0 ? undefined : after;
  }

  originate(request: OriginateRequest): void {
    if (this.place(request, new Set())) return;
    const detail = `no Asterisk server that carries trunk ${request.trunk} has a line free or is reachable`;
    this.emit({ type: 'call.failed', attemptId: request.attemptId, at: this.o.scheduler.now(), outcome: 'failed', cause: { code: 34, text: detail }, detail });
  }

  /** Dials on the best server that can carry the call now, but those whose trunk refused it a line; false if none can. */
  private place(request: OriginateRequest, refusedBy: ReadonlySet<PbxServer>): boolean {
    const now = this.o.scheduler.now();
    const candidates = [...this.servers.values()].filter((s) => !refusedBy.has(s));
    const name = chooseServer(candidates.map((s) => s.load(request.trunk, now)), this.answerRate);
    const server = name === undefined ? undefined : this.servers.get(name);
    if (!server?.port) return false;
    server.placed(request.attemptId, request.trunk);
    this.callServer.set(request.attemptId, server);
    this.dialing.set(request.attemptId, { request, refusedBy });
    server.port.originate(request);
    return true;
  }

  /**
   * The server's trunk refused the call a line, full over every engine (another engine took the last line since this
   * one's pacing last heard): it is placed on the next best server that has one instead; false if none has.
   */
  private placeElsewhere(server: PbxServer, attemptId: AttemptId): boolean {
    const dialing = this.dialing.get(attemptId);
    if (!dialing) return false;
    this.forgetCall(server, attemptId);
    const placed = this.place(dialing.request, new Set([...dialing.refusedBy, server]));
    if (placed) this.o.logger.info({ attemptId, refusedOn: server.name, placedOn: this.callServer.get(attemptId)?.name }, 'trunk full on one server over every engine: the call is placed on another');
    return placed;
  }

  connectToAgent(attemptId: AttemptId, agentId: AgentId, deadlineAt?: EpochMs): void {
    const server = this.callServer.get(attemptId);
    const agentOn = this.agentServers.get(agentId);
    if (server?.port && agentOn === server) return server.port.connectToAgent(attemptId, agentId, deadlineAt);
    // Routed across servers, the wait already counted (canMeet): any wait will do here.
    if (server?.port && agentOn?.port && this.crossings.mayCross(server, agentOn, attemptId, Infinity)) {
      return this.crossings.start(attemptId, agentId, server, agentOn, deadlineAt);
    }
    this.o.logger.error({ attemptId, agentId, callOn: server?.name, agentOn: agentOn?.name }, 'connect refused: the agent is not on the server the call is on, and the call may not cross to theirs; the call keeps waiting');
  }

  abandon(attemptId: AttemptId, message: MediaUri): void {
    this.onCallServer(attemptId, 'abandon', (port) => port.abandon(attemptId, message));
  }

  leaveMessage(attemptId: AttemptId, message: readonly MediaUri[]): void {
    this.onCallServer(attemptId, 'leave message', (port) => port.leaveMessage(attemptId, message));
  }

  hangup(attemptId: AttemptId): void {
    this.onCallServer(attemptId, 'hangup', (port) => port.hangup(attemptId));
  }

  playOnCall(attemptId: AttemptId, request: PlayRequest): void {
    this.onCallServer(attemptId, 'play', (port) => port.playOnCall(attemptId, request));
  }

  stopPlaying(attemptId: AttemptId): void {
    this.onCallServer(attemptId, 'stop playing', (port) => port.stopPlaying(attemptId));
  }

  control(attemptId: AttemptId, agentId: AgentId, control: CallControl): void {
    const server = this.callServer.get(attemptId);
    const target = 'to' in control && 'agentId' in control.to ? control.to.agentId : undefined;
    const failed = !server?.port
      ? 'the call\'s Asterisk server is out of reach'
      : this.crossings.has(attemptId)
        ? 'the call crossed to the agent\'s Asterisk server from another: its controls are not available across servers'
        : target !== undefined && this.agentServers.get(target) !== server
        ? `agent ${target} is on another Asterisk server than the call: transfer to their number instead`
        : undefined;
    if (failed) {
      this.emit({ type: 'call.control', attemptId, agentId, control, at: this.o.scheduler.now(), failed });
      return;
    }
    server!.port!.control?.(attemptId, agentId, control);
  }

  supervise(request: SupervisionRequest): void {
    const server = this.agentServers.get(request.agentId);
    if (server?.up) server.port?.supervise?.(request);
    else this.emit({ type: 'supervision.ended', sessionId: request.sessionId, agentId: request.agentId, at: this.o.scheduler.now(), why: 'not-possible', detail: 'the agent\'s Asterisk server is out of reach' });
  }

  endSupervision(sessionId: string): void {
    for (const s of this.servers.values()) s.port?.endSupervision?.(sessionId);
  }

  // ---- agents -----------------------------------------------------------------

  loginAgent(agentId: AgentId, endpoint: string): void {
    void this.serverOf(agentId).then((server) => {
      if (!server) {
        const text = `agent ${agentId} is placed on no Asterisk server of ${[...this.servers.keys()].join(', ')}: set their server (placeAgent, agents.pbx_server)`;
        this.o.logger.error({ agentId }, text);
        this.emit({ type: 'agent.leg-down', agentId, at: this.o.scheduler.now(), cause: { code: 0, text } });
        return;
      }
      this.agentServers.set(agentId, server);
      server.endpoints.set(agentId, endpoint);
      if (server.up && server.port) return server.port.loginAgent(agentId, endpoint);
      // Logged in while their server is out of reach: out of ready until it is back.
      server.lost.set(agentId, 'away');
      this.emit({ type: 'agent.leg-down', agentId, at: this.o.scheduler.now(), cause: outOfReach(server), returning: true });
    });
  }

  logoutAgent(agentId: AgentId): void {
    const server = this.agentServers.get(agentId);
    if (!server) return;
    this.agentServers.delete(agentId);
    server.endpoints.delete(agentId);
    server.lost.delete(agentId);
    server.port?.logoutAgent(agentId);
  }

  // ---- taking over, starting, stopping ----------------------------------------

  /**
   * Every server reachable is asked for the calls at once (the customers on each wait for the takeover): each finds
   * those it holds. The caller takes the calls over at once on the answer (TelephonyPort.adoptCalls), and a server's
   * adapter reports its adopted calls' events from its own answer on: what a server that answered says while others
   * are still asked is held, and passed on after the caller has taken the calls over, in the order heard (else an
   * adopted call's end, heard before the engine knew the call, would be lost, and the call held in flight for ever).
   */
  async adoptCalls(calls: readonly OriginateRequest[]): Promise<ReadonlyMap<AttemptId, LeftCall>> {
    const requests = new Map(calls.map((c) => [c.attemptId, c]));
    const adopted = new Map<AttemptId, LeftCall>();
    // Shared by the campaigns taking calls over at once: passed on once the last of them has its answer.
    const held = (this.held ??= { from: new Set(), events: [], adoptions: 0 });
    held.adoptions++;
    try {
      await Promise.all(
        this.reachableServers().map(async (server) => {
          const found = await server.port.adoptCalls(calls);
          held.from.add(server);
          for (const [attemptId, left] of found) {
            // A call is on one server; the others find at most the PBX's abandon record of it (none, in practice).
            if (left.phase === 'abandoned-by-pbx') {
              if (!adopted.has(attemptId)) adopted.set(attemptId, left);
              continue;
            }
            adopted.set(attemptId, left);
            server.placed(attemptId, requests.get(attemptId)!.trunk, left.phase !== 'ringing' && left.phase !== 'detecting');
            if (left.phase === 'connected') server.calls.get(attemptId)!.agentId = left.agentId;
            this.callServer.set(attemptId, server);
          }
        }),
      );
    } finally {
      // After the caller's own continuation, which takes the calls over without waiting (a macrotask runs after it).
      setImmediate(() => {
        if (--held.adoptions > 0) return;
        this.held = undefined;
        for (const [server, e] of held.events) this.heard(server, e);
      });
    }
    return adopted;
  }

  /** On every server reachable at once. */
  async removeLeftLegs(lostEngine?: string): Promise<number> {
    const removed = await Promise.all(this.reachableServers().map((s) => s.port.removeLeftLegs(lostEngine)));
    return removed.reduce((a, b) => a + b, 0);
  }

  private reachableServers(): Array<PbxServer & { port: ServerPort }> {
    return [...this.servers.values()].filter((s): s is PbxServer & { port: ServerPort } => s.reachable && s.port !== undefined);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.servers.values()].map(async (s) => {
      s.downTimer?.cancel();
      await s.port?.shutdown().catch((err: unknown) => this.o.logger.warn({ server: s.name, err: describeError(err) }, 'server not shut down cleanly'));
    }));
  }

  close(): void {
    this.closed = true;
    for (const s of this.servers.values()) {
      s.downTimer?.cancel();
      s.port?.close();
    }
  }

  // ---- each server's events ---------------------------------------------------

  private async open(server: PbxServer): Promise<void> {
    if (this.closed) return;
    try {
      const port = await this.o.connect(server.config, { dropped: () => this.dropped(server), reconciled: () => this.back(server) });
      server.port = port;
      port.subscribe((e) => this.heard(server, e));
      port.subscribeIvr((e) => this.ivrListeners.emit(e));
      this.back(server);
    } catch (err) {
      const retryMs = this.o.retryConnectMs ?? 5000;
      this.o.logger.error({ server: server.name, err: describeError(err) }, `Asterisk server ${server.name} not reached: its agents stay out of ready; trying again in ${retryMs} ms`);
      this.o.scheduler.after(retryMs, () => void this.open(server));
    }
  }

  /** The socket dropped: no new call goes there now; its agents stay ready a little, in case it comes straight back. */
  private dropped(server: PbxServer): void {
    server.reachable = false;
    if (!server.up || server.downTimer) return;
    server.downTimer = this.o.scheduler.after(this.o.config.downAfterMs, () => this.wentDown(server));
  }

  private wentDown(server: PbxServer): void {
    server.downTimer = undefined;
    if (server.reachable || !server.up) return;
    server.up = false;
    const at = this.o.scheduler.now();
    const cause = outOfReach(server);
    this.o.logger.error({ server: server.name, agents: server.legsUp.size, calls: server.calls.size }, `Asterisk server ${server.name} out of reach: its agents leave ready, its calls are closed, its trunks leave the pacing`);
    for (const agentId of server.endpoints.keys()) {
      server.lost.set(agentId, 'away');
      this.emit({ type: 'agent.leg-down', agentId, at, cause, returning: true });
    }
    for (const [attemptId, call] of [...server.calls]) {
      server.writtenOff.add(attemptId);
      this.forgetCall(server, attemptId);
      if (call.answered) this.emit({ type: 'call.ended', attemptId, at, endedBy: 'system', cause });
      else this.emit({ type: 'call.failed', attemptId, at, outcome: 'failed', cause, detail: cause.text });
    }
  }

  /** The socket is up (first connect, or back and reconciled): calls go there again, and its agents come back. */
  private back(server: PbxServer): void {
    server.reachable = true;
    server.downTimer?.cancel();
    server.downTimer = undefined;
    const wasDown = !server.up;
    server.up = true;
    if (!server.port) return;
    if (wasDown) this.o.logger.info({ server: server.name, agents: server.lost.size }, `Asterisk server ${server.name} reachable: its agents come back`);
    for (const [agentId, lost] of server.lost) {
      if (lost !== 'away') continue;
      if (server.legsUp.has(agentId)) {
        server.lost.delete(agentId);
        this.emit({ type: 'agent.leg-up', agentId, at: this.o.scheduler.now() });
        continue;
      }
      server.lost.set(agentId, 'asked');
      server.port.loginAgent(agentId, server.endpoints.get(agentId)!);
    }
    // Written off when it went down: the engine no longer follows them.
    for (const attemptId of server.writtenOff) server.port.hangup(attemptId);
  }

  private heard(server: PbxServer, e: TelephonyEvent): void {
    if (this.held?.from.has(server)) {
      this.held.events.push([server, e]);
      return;
    }
    if ('attemptId' in e && server.writtenOff.has(e.attemptId)) {
      if (e.type === 'call.ended' || e.type === 'call.failed') server.writtenOff.delete(e.attemptId);
      return;
    }
    if ('attemptId' in e && this.callServer.get(e.attemptId) === server) this.crossings.heard(e);
    switch (e.type) {
      // Its file is on this server: the catalogue fetches it from here.
      case 'recording.finished':
        return this.emit({ ...e, recording: { ...e.recording, pbxServer: server.name } });
      case 'call.answered': {
        const call = server.calls.get(e.attemptId);
        if (call) call.answered = true;
        this.answerRate += ((e.party === 'human' ? 1 : 0) - this.answerRate) * ANSWER_RATE_WEIGHT;
        break;
      }
      case 'call.connected': {
        const call = server.calls.get(e.attemptId);
        if (call) call.agentId = e.agentId;
        break;
      }
      case 'call.failed':
        if (e.trunkFull && this.placeElsewhere(server, e.attemptId)) return;
        this.answerRate -= this.answerRate * ANSWER_RATE_WEIGHT;
        this.forgetCall(server, e.attemptId);
        break;
      case 'call.ended':
        this.forgetCall(server, e.attemptId);
        break;
      case 'trunk.down':
      case 'trunk.up':
        return this.trunkState(server, e);
      case 'agent.leg-up':
        server.legsUp.add(e.agentId);
        server.lost.delete(e.agentId);
        break;
      case 'agent.leg-down': {
        server.legsUp.delete(e.agentId);
        const lost = server.lost.get(e.agentId);
        // Its leg ending unseen while the server was away: the engine already holds the agent out of ready.
        if (lost === 'away') return;
        // Found gone as the socket comes back (Asterisk restarted quicker than downAfterMs): the leg is asked for again.
        if (!server.reachable && lost === undefined && server.endpoints.has(e.agentId)) {
          server.lost.set(e.agentId, 'away');
          this.emit({ ...e, returning: true });
          return;
        }
        if (lost === 'asked') server.lost.delete(e.agentId);
        // Lost through no doing of theirs (an Asterisk shutting down hangs its channels up before its socket closes): the
        // adapter rings their softphone again, and they are still this server's agent, to come back with it if it goes down.
        if (e.returning) break;
        server.endpoints.delete(e.agentId);
        if (this.agentServers.get(e.agentId) === server) this.agentServers.delete(e.agentId);
        break;
      }
      default:
        break;
    }
    this.emit(e);
  }

  /**
   * Follows the trunk on each server that carries it (AriTelephony.followTrunk). The engine counts one trunk per
   * campaign: it hears the trunk down only when every server carrying it finds it down, and up when one has it back
   * (each server's own lines leave the pacing with the server meanwhile: trunkCapacity).
   */
  followTrunk(trunk: string): void {
    for (const s of this.servers.values()) if (s.carries(trunk)) s.port?.followTrunk(trunk);
  }

  private trunkState(server: PbxServer, e: Extract<TelephonyEvent, { type: 'trunk.down' | 'trunk.up' }>): void {
    const down = this.trunksDown.get(e.trunk) ?? new Set<string>();
    const wasDown = this.allDown(e.trunk, down);
    if (e.type === 'trunk.down') down.add(server.name);
    else down.delete(server.name);
    this.trunksDown.set(e.trunk, down);
    if (this.allDown(e.trunk, down) !== wasDown) this.emit(e);
  }

  private allDown(trunk: string, down: ReadonlySet<string>): boolean {
    const carrying = [...this.servers.values()].filter((s) => s.carries(trunk));
    return carrying.length > 0 && carrying.every((s) => down.has(s.name));
  }

  private forgetCall(server: PbxServer, attemptId: AttemptId): void {
    server.ended(attemptId);
    this.crossings.forget(attemptId);
    this.callServer.delete(attemptId);
    this.dialing.delete(attemptId);
  }

  private async serverOf(agentId: AgentId): Promise<PbxServer | undefined> {
    if (this.servers.size === 1) return [...this.servers.values()][0];
    try {
      const name = await this.o.agentServer(agentId);
      return name === undefined ? undefined : this.servers.get(name);
    } catch (err) {
      this.o.logger.error({ agentId, err: describeError(err) }, 'the agent\'s server could not be read');
      return undefined;
    }
  }

  private onCallServer(attemptId: AttemptId, what: string, act: (port: ServerPort) => void): void {
    const server = this.callServer.get(attemptId);
    if (server?.port) act(server.port);
    else this.o.logger.warn({ attemptId }, `${what} ignored: the call is on no server reachable`);
  }

  private emit(e: TelephonyEvent): void {
    this.listeners.emit(e);
  }
}

function outOfReach(server: PbxServer): HangupCause {
  return { code: 0, text: `Asterisk server ${server.name} out of reach` };
}
