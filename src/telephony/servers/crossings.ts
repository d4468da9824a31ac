/**
 * Calls that cross servers: a customer answered on one server put through to
 * an agent on another, over the inter-PBX link (docs/scaling.md, "How a
 * customer meets an agent on another server"). The customer's server calls
 * the agent's through its `link` endpoint, the agent's server bridges its
 * half with the agent's leg, the customer's bridges the customer with the
 * link channel once answered. Allowed after the customer waited
 * OUTPACE_CROSS_SERVER_AFTER_MS for an agent on their own server; the
 * crossing must be answered by the connect deadline, or it is given up and
 * the customer waits again (and is abandoned by the usual rules). A crossing
 * that failed keeps calls from crossing between those two servers a while,
 * and its call from crossing again.
 */
import type { Logger } from 'pino';
import type { AgentId, AttemptId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { Scheduler, TimerHandle } from '../../engine/scheduler.js';
import type { TelephonyEvent } from '../port.js';
import type { PbxServer } from './pbx-server.js';
import { linkEndpoint } from './servers-config.js';

/** How long a failed crossing keeps calls from crossing between the same two servers. */
export const LINK_RETRY_MS = 10_000;
/** How long a crossing may take when the engine gives no deadline (an agent who chose the call waits for it). */
const NO_DEADLINE_MS = 10_000;
/** The SIP header that names, to the agent's server's dialplan, the application the crossing enters there. */
export const APP_HEADER = 'X-Outpace-App';

interface Crossing {
  readonly from: PbxServer;
  readonly to: PbxServer;
  readonly agentId: AgentId;
  readonly timer: TimerHandle;
  connected: boolean;
}

export interface CrossingsOptions {
  readonly crossAfterMs: number | 'off';
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** A connect that did not happen, told to the engine (after the current turn: the engine may be routing). */
  readonly emit: (e: TelephonyEvent) => void;
}

export class Crossings {
  private readonly live = new Map<AttemptId, Crossing>();
  /** Calls whose crossing failed: they wait for an agent on their own server from then on. */
  private readonly failed = new Set<AttemptId>();
  /** `from>to` → until when crossings between them are not tried. */
  private readonly linkDownUntil = new Map<string, EpochMs>();
  /** Crossings put through so far: the share of connects that crossed (the benchmark). */
  connectedCount = 0;

  constructor(private readonly o: CrossingsOptions) {}

  /** Whether a call on `from`, ready for an agent for `waitedMs`, may cross to an agent on `to`. */
  mayCross(from: PbxServer, to: PbxServer, attemptId: AttemptId, waitedMs: number): boolean {
    const after = this.o.crossAfterMs;
    if (after === 'off' || waitedMs < after || !from.config.link || !to.up || !to.reachable || this.failed.has(attemptId)) return false;
    return (this.linkDownUntil.get(`${from.name}>${to.name}`) ?? 0) <= this.o.scheduler.now();
  }

  /** Puts the call on `from` through to `agentId` on `to`, by `deadlineAt`; `call.connected` or `call.not-connected` follows. */
  start(attemptId: AttemptId, agentId: AgentId, from: PbxServer, to: PbxServer, deadlineAt: EpochMs | undefined): void {
    const now = this.o.scheduler.now();
    const endpoint = linkEndpoint(from.config.link!, to.name, attemptId);
    const started = from.port!.crossTo(attemptId, agentId, endpoint, { [`PJSIP_HEADER(add,${APP_HEADER})`]: to.config.ari.ARI_APP });
    if (typeof started === 'string') return this.notConnected(attemptId, agentId, `the crossing could not start on ${from.name}: ${started}`);
    // Asked in the same turn as the crossing's originate, which goes out later: the agent's server expects it before it rings there.
    const refused = to.port!.expectCrossing(attemptId, agentId, started.recordAgentLegThere);
    const timer = this.o.scheduler.after(Math.max(0, (deadlineAt ?? now + NO_DEADLINE_MS) - now), () =>
      from.port?.giveUpCrossing(attemptId, `${to.name} did not answer the crossing from ${from.name} by the connect deadline`),
    );
    this.live.set(attemptId, { from, to, agentId, timer, connected: false });
    this.o.logger.debug({ attemptId, agentId, from: from.name, to: to.name }, 'crossing to the agent\'s server');
    if (refused) from.port!.giveUpCrossing(attemptId, `${to.name} refused the crossing: ${refused}`);
  }

  has(attemptId: AttemptId): boolean {
    return this.live.has(attemptId);
  }

  /** What a crossing's customer's server says of its call. */
  heard(e: TelephonyEvent): void {
    if (!('attemptId' in e)) return;
    const crossing = this.live.get(e.attemptId);
    if (!crossing) return;
    switch (e.type) {
      case 'call.connected': {
        crossing.timer.cancel();
        crossing.connected = true;
        this.connectedCount++;
        crossing.to.agentsLent++;
        const call = crossing.from.calls.get(e.attemptId);
        if (call) call.crossed = true;
        return;
      }
      case 'call.not-connected':
        this.o.logger.warn({ attemptId: e.attemptId, agentId: e.agentId, from: crossing.from.name, to: crossing.to.name, why: e.why }, `crossing failed, the customer waits for an agent on ${crossing.from.name}: ${e.why}`);
        this.failed.add(e.attemptId);
        this.linkDownUntil.set(`${crossing.from.name}>${crossing.to.name}`, this.o.scheduler.now() + LINK_RETRY_MS);
        return this.end(e.attemptId, crossing);
      default:
        return;
    }
  }

  /** The call is over for the engine (ended, or written off with its server gone): its crossing, if any, ends too. */
  forget(attemptId: AttemptId): void {
    this.failed.delete(attemptId);
    const crossing = this.live.get(attemptId);
    if (crossing) this.end(attemptId, crossing);
  }

  private end(attemptId: AttemptId, crossing: Crossing): void {
    crossing.timer.cancel();
    this.live.delete(attemptId);
    if (crossing.connected) crossing.to.agentsLent--;
    crossing.to.port?.endCrossing(attemptId);
  }

  private notConnected(attemptId: AttemptId, agentId: AgentId, why: string): void {
    this.o.logger.warn({ attemptId, agentId, why }, `crossing not started: ${why}`);
    this.failed.add(attemptId);
    this.o.scheduler.after(0, () => this.o.emit({ type: 'call.not-connected', attemptId, agentId, at: this.o.scheduler.now(), why }));
  }
}
