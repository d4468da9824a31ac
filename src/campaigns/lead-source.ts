/**
 * Where the engine takes its next lead from. Taking must not wait on I/O (it
 * runs inside the pacing tick): a storage-backed source keeps a small buffer
 * of claimed leads (the hopper) and refills it in the background.
 */
import type { AgentId, E164, LeadId } from '../domain/ids.js';

export interface Lead {
  readonly id: LeadId;
  readonly number: E164;
  /** The lead's own fields from its list (a broadcast speaks some of them); absent where no list stands behind the lead. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** Why an engine gives a claimed lead back undialed. */
export type GiveBackReason = 'skipped' | 'offer-lapsed' | 'not-dialed';

export interface LeadSource {
  /** Leads that can be taken now without waiting. */
  available(): number;
  take(): Lead | undefined;
  /**
   * A lead only this agent should have now (a callback they promised), or
   * undefined. Asking also tells the source the agent is here to take one.
   */
  takeFor?(agentId: AgentId): Lead | undefined;
  /** The lead stays with the engine this long undialed (an agent looks at it in preview mode). */
  keep?(lead: Lead, forMs: number): void;
  /** A lead taken but not dialed goes back to the pool (a preview the agent skipped records the skip). */
  giveBack?(lead: Lead, why: GiveBackReason, agentId: AgentId): void;
}
