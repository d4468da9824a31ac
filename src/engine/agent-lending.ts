/**
 * An agent campaign's agents for callers it did not dial: a broadcast's key 1
 * asks the linked agent campaign's engine, when that engine runs in the same
 * process, for its longest-idle free agent. Through this interface only, so
 * that neither side reaches into the other's state.
 */
import type { AgentId, AttemptId, CampaignId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';

export interface AgentLender {
  /**
   * Asks for a free agent for a call answered elsewhere; `give` is called once
   * one is reserved for it (then the caller puts the call through to that
   * agent). The agent is the campaign's again after the call and its wrap-up.
   * Returns a function that withdraws the request.
   */
  lendAgent(attemptId: AttemptId, give: (agentId: AgentId) => void): () => void;
  /** A caller asked for an agent and none came in time: a live answer abandoned, in the campaign's own ledger. */
  countAbandon(at: EpochMs): void;
}

/** The agent campaigns whose engines run in this process. */
export class LocalAgentCampaigns {
  private readonly lenders = new Map<CampaignId, AgentLender>();

  /** Returns the function that takes the campaign off again (its engine stops). */
  register(campaignId: CampaignId, lender: AgentLender): () => void {
    this.lenders.set(campaignId, lender);
    return () => {
      if (this.lenders.get(campaignId) === lender) this.lenders.delete(campaignId);
    };
  }

  find(campaignId: CampaignId): AgentLender | undefined {
    return this.lenders.get(campaignId);
  }
}
