/**
 * Agents' persistent ("nailed-up") legs: while an agent is logged in, a
 * channel to their softphone sits in the agent's own mixing bridge, and a
 * customer is put through by adding the customer's channel to that bridge,
 * with no ringing and no SIP set-up on the critical path.
 */
import type { AgentId, AttemptId } from '../../domain/ids.js';

export interface AgentLeg {
  readonly agentId: AgentId;
  readonly endpoint: string;
  readonly channelId: string;
  readonly bridgeId: string;
  /** Asterisk accepted the originate: the channel exists (or existed). */
  created: boolean;
  /** In the bridge and ready to take customers. */
  up: boolean;
  /** The customer call currently put through to this agent. */
  attemptId: AttemptId | undefined;
}

export class AgentLegs {
  private readonly byAgent = new Map<AgentId, AgentLeg>();
  private readonly byChannel = new Map<string, AgentLeg>();

  add(leg: AgentLeg): void {
    this.byAgent.set(leg.agentId, leg);
    this.byChannel.set(leg.channelId, leg);
  }

  get(agentId: AgentId): AgentLeg | undefined {
    return this.byAgent.get(agentId);
  }

  onChannel(channelId: string): AgentLeg | undefined {
    return this.byChannel.get(channelId);
  }

  remove(leg: AgentLeg): void {
    if (this.byAgent.get(leg.agentId) === leg) this.byAgent.delete(leg.agentId);
    this.byChannel.delete(leg.channelId);
  }

  all(): AgentLeg[] {
    return [...this.byChannel.values()];
  }
}
