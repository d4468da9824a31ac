/**
 * What agents do at their desks, as the engine hears it: log in, pause,
 * resume, log out, finish wrap-up with a disposition. The agent API (a person
 * at a softphone) and the simulator's agents both speak through this.
 */
import type { AgentId, AttemptId } from '../domain/ids.js';
import type { PauseReason } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';

export type AgentDeskEvent =
  | { readonly type: 'agent.login'; readonly agentId: AgentId; readonly endpoint: string; readonly at: EpochMs }
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
      /** For a callback disposition: when to call back, and by whom (absent: anyone). */
      readonly callbackAt?: EpochMs;
      readonly callbackAgentId?: AgentId;
      readonly at: EpochMs;
    };

export type AgentDeskListener = (event: AgentDeskEvent) => void;

export interface AgentDesk {
  subscribe(listener: AgentDeskListener): () => void;
}
