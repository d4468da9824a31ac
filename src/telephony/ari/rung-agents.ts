/**
 * Agents rung per call (ARI_AGENT_CONNECTION=ring-per-call): who is logged
 * in, on which endpoint. No channel stands for such an agent while they
 * wait, so their availability is reported from here: ready once Asterisk
 * says the endpoint can be reached, out of ready at logout or when a call
 * to them fails. Their legs, one per customer, live with the other agent
 * legs in AgentLegs.
 */
import type { Logger } from 'pino';
import type { AgentId } from '../../domain/ids.js';
import type { HangupCause } from '../../domain/outcomes.js';
import type { Clock } from '../../engine/scheduler.js';
import type { TelephonyEvent } from '../port.js';
import { unreachableCause, unreachableReason } from './agent-endpoints.js';
import type { AriRest } from './ari-connection.js';
import type { RestGate } from './rest-gate.js';

/** No channel ends at logout to give a cause: report the end of the login as a normal clearing. */
const LOGGED_OUT: HangupCause = { code: 16, text: 'Normal Clearing' };

export class RungAgents {
  private readonly endpoints = new Map<AgentId, string>();

  constructor(
    private readonly gate: RestGate,
    private readonly rest: () => AriRest,
    private readonly report: (event: TelephonyEvent) => void,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  login(agentId: AgentId, endpoint: string): void {
    if (this.endpoints.has(agentId)) {
      this.logger.warn({ agentId }, 'login ignored: the agent is already logged in');
      return;
    }
    this.endpoints.set(agentId, endpoint);
    void unreachableReason(endpoint, (tech, resource) => this.gate.run('endpoint state', () => this.rest().getEndpoint(tech, resource))).then(
      (reason) => {
        // Logged out while Asterisk was asked.
        if (this.endpoints.get(agentId) !== endpoint) return;
        if (reason === undefined) return this.report({ type: 'agent.leg-up', agentId, at: this.clock.now() });
        this.logger.error({ agentId, endpoint, reason }, 'agent cannot be rung: not logged in');
        this.leave(agentId, unreachableCause(reason));
      },
    );
  }

  /** The agents logged in on this endpoint. */
  onEndpoint(endpoint: string): AgentId[] {
    return [...this.endpoints].filter(([, e]) => e === endpoint).map(([agentId]) => agentId);
  }

  /** The agent's endpoint, if they are logged in. */
  endpointOf(agentId: AgentId): string | undefined {
    return this.endpoints.get(agentId);
  }

  logout(agentId: AgentId): void {
    this.leave(agentId, LOGGED_OUT);
  }

  /** The agent leaves ready, reported once: the engine stops giving them customers. */
  leave(agentId: AgentId, cause: HangupCause): void {
    if (!this.endpoints.delete(agentId)) return;
    this.report({ type: 'agent.leg-down', agentId, at: this.clock.now(), cause });
  }
}
