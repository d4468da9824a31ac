/**
 * What agents do at their desks, as the engine hears it: log in, pause,
 * resume, log out, finish wrap-up with a disposition. The agent API (a person
 * at a softphone) and the simulator's agents both speak through this.
 */
import type { AgentId, AttemptId, CampaignId, LeadId } from '../domain/ids.js';
import type { Lead } from '../campaigns/lead-source.js';
import type { PauseReason } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';
import type { CallControl } from '../telephony/port.js';

/** A callback the agent asked for with a disposition: when, and for whom (null: any agent). */
export interface CallbackRequest {
  readonly at: EpochMs;
  readonly agentId: AgentId | null;
}

export type AgentDeskEvent =
  | {
      readonly type: 'agent.login';
      readonly agentId: AgentId;
      readonly endpoint: string;
      /** The campaigns the agent works; absent: every campaign this process runs. */
      readonly campaigns?: readonly CampaignId[] | undefined;
      readonly at: EpochMs;
    }
  /** Takes effect at once when ready, else after the current call and wrap-up. */
  | { readonly type: 'agent.pause'; readonly agentId: AgentId; readonly reason: PauseReason; readonly at: EpochMs }
  | { readonly type: 'agent.resume'; readonly agentId: AgentId; readonly at: EpochMs }
  /** Takes effect at once when ready or paused, else after the current call and wrap-up. */
  | { readonly type: 'agent.logout'; readonly agentId: AgentId; readonly at: EpochMs }
  | {
      readonly type: 'agent.wrap-up-done';
      readonly agentId: AgentId;
      readonly attemptId: AttemptId;
      readonly disposition: string;
      readonly callback?: CallbackRequest | undefined;
      /** The agent's notes on the call. */
      readonly note?: string | undefined;
      readonly at: EpochMs;
    }
  /** Preview mode: the agent dials the lead offered to them, or gives it back. */
  | { readonly type: 'agent.preview-dial'; readonly agentId: AgentId; readonly leadId: LeadId; readonly at: EpochMs }
  | { readonly type: 'agent.preview-skip'; readonly agentId: AgentId; readonly leadId: LeadId; readonly at: EpochMs }
  /**
   * A control on the agent's call (hold, transfer, ...). The engine whose call
   * it is answers through `reply` at once, accepting it or saying why not;
   * `call.control` from the port follows an accepted one. No reply: no engine
   * here holds that call for the agent.
   */
  | {
      readonly type: 'agent.control';
      readonly agentId: AgentId;
      readonly attemptId: AttemptId;
      readonly control: CallControl;
      readonly at: EpochMs;
      readonly reply: (verdict: { readonly accepted: true } | { readonly refused: string }) => void;
    }
  /** A number the agent dials by hand, already checked against the campaign's rules and claimed for this process. */
  | { readonly type: 'agent.manual-dial'; readonly agentId: AgentId; readonly campaignId: CampaignId; readonly lead: Lead; readonly at: EpochMs };

export type AgentDeskListener = (event: AgentDeskEvent) => void;

export interface AgentDesk {
  subscribe(listener: AgentDeskListener): () => void;
}
