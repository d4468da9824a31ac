/**
 * Agents' legs: a channel to the agent's softphone and the mixing bridge it
 * talks in. By default the leg is persistent ("nailed-up"): while an agent
 * is logged in it sits in the agent's own bridge, and a customer is put
 * through by adding the customer's channel to that bridge, with no ringing
 * and no SIP set-up on the critical path. With ring-per-call a leg is made
 * for one customer and ends with that call.
 */
import type { AgentId, AttemptId } from '../../domain/ids.js';

export interface AgentLeg {
  readonly agentId: AgentId;
  readonly endpoint: string;
  readonly channelId: string;
  readonly bridgeId: string;
  /** Rung for one customer (ring-per-call) rather than held for the whole login. */
  readonly perCall: boolean;
  /** Asterisk accepted the originate: the channel exists (or existed). */
  created: boolean;
  /** Answered: nailed up, in the bridge and ready to take customers; rung per call, answered for its customer. */
  up: boolean;
  /** The customer call currently put through to this agent. */
  attemptId: AttemptId | undefined;
  /**
   * Taken over with its call from an engine that was lost: it is the agent's
   * again at their next login, and is hung up when the call ends if they
   * have not logged in by then.
   */
  adopted: boolean;
  /** Rung again after a leg lost through no doing of the agent's (returning-legs.ts). */
  returning: boolean;
  /** Hung up by outpace at the agent's logout or at shutdown: its end is final. */
  endRequested: boolean;
  /**
   * Not the agent's softphone: the link to the agent's server, rung for one customer crossing there (crossTo). Its refusal
   * leaves the agent as they are (their server holds them); `givenUp` says why the port stopped waiting for it.
   */
  crossing?: { givenUp?: string };
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
