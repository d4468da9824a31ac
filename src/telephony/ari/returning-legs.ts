/**
 * Nailed-up legs lost through no doing of the agent's (Asterisk restarted
 * and every channel went with it, or the softphone unregistered) are
 * brought back by themselves, as a professional dialer does: the agent
 * stays logged in but out of ready, and their softphone is rung again as
 * soon as its endpoint can be reached. Asterisk says so with
 * EndpointStateChange `online` (then the leg is tried at once); but a
 * restarted Asterisk has forgotten the application's subscriptions and may
 * restore a registration from its AstDB without any event, so the endpoint
 * is also looked at again with a backoff (1 s, doubling up to 30 s) for as
 * long as the agent stays logged in.
 */
import type { Logger } from 'pino';
import type { AgentId } from '../../domain/ids.js';
import { unreachableReason } from './agent-endpoints.js';
import type { AriRest } from './ari-connection.js';
import { describeError } from './ari-errors.js';
import type { RestGate } from './rest-gate.js';

const FIRST_TRY_MS = 1000;
const LONGEST_WAIT_MS = 30_000;

interface Returning {
  readonly endpoint: string;
  /** The wait before the next look once this one finds the endpoint unreachable. */
  nextWaitMs: number;
  timer?: ReturnType<typeof setTimeout>;
  /** A look at the endpoint, or the leg it led to, is under way: an `online` meanwhile adds nothing. */
  trying: boolean;
}

export interface ReturningLegsOptions {
  readonly gate: RestGate;
  readonly rest: () => AriRest;
  /** Rings the agent's softphone for a new leg; its answer ends the return (cancel), a failure to set it up looks again later (notUpYet). */
  readonly ringAgain: (agentId: AgentId, endpoint: string) => void;
  readonly logger: Logger;
}

export class ReturningLegs {
  private readonly agents = new Map<AgentId, Returning>();

  constructor(private readonly o: ReturningLegsOptions) {}

  /** The agent's leg was lost: look for their endpoint after the first wait. */
  lost(agentId: AgentId, endpoint: string): void {
    this.cancel(agentId);
    const returning: Returning = { endpoint, nextWaitMs: FIRST_TRY_MS, trying: false };
    this.agents.set(agentId, returning);
    this.later(agentId, returning);
  }

  /** Whether the agent's leg is being brought back. */
  has(agentId: AgentId): boolean {
    return this.agents.has(agentId);
  }

  /** The leg rung again could not be set up (refused, or the softphone could not be reached): look again later. */
  notUpYet(agentId: AgentId): void {
    const returning = this.agents.get(agentId);
    if (!returning) return;
    returning.trying = false;
    this.later(agentId, returning);
  }

  /** Asterisk says the endpoint is online: its agents waiting for it are rung now. */
  online(endpoint: string): void {
    for (const [agentId, returning] of this.agents) if (returning.endpoint === endpoint) this.tryNow(agentId);
  }

  /** The endpoint is looked at now rather than after the wait, unless a look or its ring is already under way. */
  tryNow(agentId: AgentId): void {
    const returning = this.agents.get(agentId);
    if (!returning || returning.trying) return;
    clearTimeout(returning.timer);
    void this.look(agentId, returning);
  }

  /** The leg is up again, or the agent logged out, or outpace stops: nothing more to do for them. */
  cancel(agentId: AgentId): void {
    const returning = this.agents.get(agentId);
    if (!returning) return;
    clearTimeout(returning.timer);
    this.agents.delete(agentId);
  }

  clear(): void {
    for (const agentId of [...this.agents.keys()]) this.cancel(agentId);
  }

  private later(agentId: AgentId, returning: Returning): void {
    clearTimeout(returning.timer);
    returning.timer = setTimeout(() => void this.look(agentId, returning), returning.nextWaitMs);
    returning.nextWaitMs = Math.min(LONGEST_WAIT_MS, returning.nextWaitMs * 2);
  }

  private async look(agentId: AgentId, returning: Returning): Promise<void> {
    returning.trying = true;
    const { endpoint } = returning;
    // Heard from now on when it comes online (a restarted Asterisk forgot the subscription); refused while it is not configured yet.
    await this.o.gate.run('endpoint subscribe', () => this.o.rest().subscribe(`endpoint:${endpoint}`)).catch(() => undefined);
    const reason = await unreachableReason(endpoint, (tech, resource) => this.o.gate.run('endpoint state', () => this.o.rest().getEndpoint(tech, resource))).catch(
      (err: unknown) => describeError(err),
    );
    if (this.agents.get(agentId) !== returning) return;
    if (reason !== undefined) {
      this.o.logger.debug({ agentId, endpoint, reason, nextTryMs: returning.nextWaitMs }, 'agent softphone not reachable yet');
      return this.notUpYet(agentId);
    }
    this.o.logger.info({ agentId, endpoint }, "agent's softphone reachable again: ringing it for a new leg");
    this.o.ringAgain(agentId, endpoint);
  }
}
