/**
 * Supervisors on agents' calls (listen, whisper, barge), as VICIdial's
 * monitor and barge do it, with ARI's own pieces:
 *
 * - the supervisor's softphone is rung into the application;
 * - listen and whisper: once it answers, a snoop channel on the agent's
 *   channel spies `both` ways (what the agent says, `in`, and what the agent
 *   hears, `out`: the customer), and whispers `out` (to the agent's ear
 *   alone) for whisper, `none` for listen; the supervisor's channel and the
 *   snoop meet in a mixing bridge of their own;
 * - barge: the supervisor's channel joins the agent's bridge, where the
 *   customer and the agent talk.
 *
 * The snoop sits on the agent's channel, so the same works for nailed-up
 * agents and for agents rung per call. A session ends when the supervisor
 * hangs up, when the call ends (the customer's channel, or a rung agent's
 * leg and with it the snoop), or on request; everything it made is removed.
 */
import type { Logger } from 'pino';
import type { AgentId, AttemptId } from '../../domain/ids.js';
import type { Clock } from '../../engine/scheduler.js';
import type { SupervisionEnd, SupervisionRequest, TelephonyEvent } from '../port.js';
import type { AgentLeg } from './agent-legs.js';
import type { AriRest } from './ari-connection.js';
import { describeError, isGoneError } from './ari-errors.js';
import type { RestGate } from './rest-gate.js';

/** StasisStart arguments of the supervisor's channel and of the snoop. */
const SUPERVISOR_ARGS = 'supervisor';
const SNOOP_ARGS = 'supervisor-snoop';
/** How long the supervisor's softphone rings before the session gives up. */
const SUPERVISOR_RING_SEC = 30;

interface Session {
  readonly request: SupervisionRequest;
  readonly attemptId: AttemptId;
  /** The agent's channel (snooped) and bridge (barged into). */
  readonly agentChannelId: string;
  readonly agentBridgeId: string;
  readonly channelId: string;
  readonly snoopId: string;
  readonly bridgeId: string;
  started: boolean;
}

export interface SupervisionsOptions {
  readonly gate: RestGate;
  readonly rest: () => AriRest;
  readonly emit: (event: TelephonyEvent) => void;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Prefixes the channels and bridges made here, as every channel of the engine. */
  readonly engineId: string;
  /** Channel variables every channel of the engine carries (whose it is). */
  readonly variables: () => Record<string, string>;
}

export class Supervisions {
  private readonly sessions = new Map<string, Session>();
  private readonly byChannel = new Map<string, Session>();

  constructor(private readonly o: SupervisionsOptions) {}

  /** Starts a session on the agent's current call (`leg`, when the agent has one up with a customer). */
  start(request: SupervisionRequest, leg: AgentLeg | undefined): void {
    const { sessionId, agentId } = request;
    if (this.sessions.has(sessionId)) return this.o.logger.warn({ sessionId }, 'supervision already started');
    if (!leg?.up || leg.attemptId === undefined) return this.report(sessionId, agentId, 'not-possible', `agent ${agentId} is on no call now`);
    const channelId = `${this.o.engineId}-s-${sessionId}`;
    const session: Session = {
      request,
      attemptId: leg.attemptId,
      agentChannelId: leg.channelId,
      agentBridgeId: leg.bridgeId,
      channelId,
      snoopId: `${channelId}-snoop`,
      bridgeId: `${channelId}-bridge`,
      started: false,
    };
    this.sessions.set(sessionId, session);
    this.byChannel.set(session.channelId, session);
    this.byChannel.set(session.snoopId, session);
    const ownBridge = request.mode === 'barge' ? Promise.resolve() : this.o.gate.run('bridge create', () => this.o.rest().createBridge(session.bridgeId, `supervisor-${sessionId}`));
    ownBridge
      .then(() =>
        this.o.gate.run('supervisor originate', () =>
          this.o.rest().originate({
            endpoint: request.endpoint,
            channelId,
            answeredInto: { appArgs: `${SUPERVISOR_ARGS},${sessionId}` },
            timeoutSec: SUPERVISOR_RING_SEC,
            variables: this.o.variables(),
          }),
        ),
      )
      .catch((err: unknown) => this.end(session, 'not-possible', `the supervisor's softphone ${request.endpoint} could not be rung: ${describeError(err)}`));
  }

  /** A StasisStart: the supervisor answered, or the snoop is there. Returns whether the channel was a supervision's. */
  entered(channelId: string, args: readonly string[]): boolean {
    const session = this.byChannel.get(channelId);
    if (!session || (args[0] !== SUPERVISOR_ARGS && args[0] !== SNOOP_ARGS)) return false;
    const { mode } = session.request;
    if (args[0] === SUPERVISOR_ARGS && mode === 'barge') {
      this.join(session, 'bridge addChannel', () => this.o.rest().addToBridge(session.agentBridgeId, [session.channelId]));
    } else if (args[0] === SUPERVISOR_ARGS) {
      const audio = { spy: 'both', whisper: mode === 'whisper' ? 'out' : 'none' } as const;
      this.o.gate
        .run('snoop', () => this.o.rest().snoop(session.agentChannelId, session.snoopId, `${SNOOP_ARGS},${session.request.sessionId}`, audio))
        .catch((err: unknown) => this.end(session, isGoneError(err) ? 'call-ended' : 'not-possible', `the agent's channel could not be snooped: ${describeError(err)}`));
    } else {
      this.join(session, 'bridge addChannel', () => this.o.rest().addToBridge(session.bridgeId, [session.channelId, session.snoopId]));
    }
    return true;
  }

  /** A ChannelDestroyed: the supervisor hung up, or the snoop went with the agent's channel. Returns whether the channel was a supervision's. */
  channelGone(channelId: string): boolean {
    const session = this.byChannel.get(channelId);
    if (!session) return false;
    this.byChannel.delete(channelId);
    this.end(session, channelId === session.channelId ? 'supervisor-hung-up' : 'call-ended');
    return true;
  }

  /** The customer's call ended: its supervisions end with it. */
  callEnded(attemptId: AttemptId): void {
    for (const session of [...this.sessions.values()]) if (session.attemptId === attemptId) this.end(session, 'call-ended');
  }

  endByRequest(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session) this.end(session, 'ended-by-request');
  }

  /** Ends every session (shutdown). */
  endAll(): void {
    for (const session of [...this.sessions.values()]) this.end(session, 'ended-by-request');
  }

  private join(session: Session, label: string, request: () => Promise<void>): void {
    this.o.gate
      .run(label, request, { urgent: true })
      .then(() => {
        if (!this.sessions.has(session.request.sessionId)) return;
        session.started = true;
        const { sessionId, agentId, mode } = session.request;
        this.o.emit({ type: 'supervision.started', sessionId, agentId, attemptId: session.attemptId, mode, at: this.o.clock.now() });
      })
      .catch((err: unknown) => this.end(session, isGoneError(err) ? 'call-ended' : 'not-possible', `could not join the call: ${describeError(err)}`));
  }

  /** Reports the end once, and removes what the session made: the supervisor's channel, the snoop, the supervisor's bridge. */
  private end(session: Session, why: SupervisionEnd, detail?: string): void {
    const { sessionId, agentId, mode } = session.request;
    if (!this.sessions.delete(sessionId)) return;
    if (detail) this.o.logger.warn({ sessionId, agentId, mode }, detail);
    const ignoreGone = (err: unknown) => {
      if (!isGoneError(err) && !/not found/i.test(describeError(err))) this.o.logger.warn({ sessionId, err: describeError(err) }, 'supervision: left over on the PBX');
    };
    for (const channelId of [session.channelId, session.snoopId]) {
      if (this.byChannel.delete(channelId)) this.o.gate.run('hangup', () => this.o.rest().hangup(channelId)).catch(ignoreGone);
    }
    if (mode !== 'barge') this.o.gate.run('bridge destroy', () => this.o.rest().destroyBridge(session.bridgeId)).catch(ignoreGone);
    this.report(sessionId, agentId, why, detail);
  }

  private report(sessionId: string, agentId: AgentId, why: SupervisionEnd, detail?: string): void {
    this.o.emit({ type: 'supervision.ended', sessionId, agentId, at: this.o.clock.now(), why, ...(detail ? { detail } : {}) });
  }
}
