/**
 * Everything the engine knows about one dial when it ends: what storage keeps
 * as the attempt row and what the KPIs are computed from.
 */
import type { AgentId, AttemptId, LeadId, E164 } from '../domain/ids.js';
import type { AnsweredParty, CallOutcome, HangupCause } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';

export interface AttemptRecord {
  readonly attemptId: AttemptId;
  readonly leadId: LeadId;
  readonly number: E164;
  readonly originatedAt: EpochMs;
  readonly answeredAt?: EpochMs;
  /** When the answered person was ready for an agent (after machine detection, where it ran). */
  readonly readyAt?: EpochMs;
  readonly connectedAt?: EpochMs;
  readonly endedAt: EpochMs;
  readonly outcome: CallOutcome;
  readonly party?: AnsweredParty;
  /** A live answer no agent took within the connect deadline. */
  readonly abandoned: boolean;
  readonly agentId?: AgentId;
  readonly cause: HangupCause;
}
