/**
 * A dial policy proposes how many calls to launch now. The pacer clamps the
 * proposal to the campaign's and the trunk's limits, so a policy reasons only
 * about agents and answers.
 */
import type { AbandonRates } from './abandon-ledger.js';
import type { CampaignEstimates, PacingObservation } from './estimates.js';
import type { PacingSettings } from './settings.js';
import type { PacingSnapshot, SnapshotCounts } from './snapshot.js';
import type { EpochMs } from '../domain/time.js';

export interface PolicyContext {
  readonly snapshot: PacingSnapshot;
  readonly counts: SnapshotCounts;
  readonly settings: PacingSettings;
  readonly estimates: CampaignEstimates;
  readonly abandons: AbandonRates;
  /** The most calls the limits allow now: a policy need not look beyond. */
  readonly maxDials: number;
}

export interface PolicyProposal {
  readonly dials: number;
  /** What the policy expected, for logs and the wallboard; NaN where it does not model it. */
  readonly expectedFreeAgents: number;
  readonly expectedLiveAnswers: number;
  readonly expectedAbandons: number;
  readonly note: string;
}

export interface DialPolicy {
  readonly name: string;
  propose(ctx: PolicyContext): PolicyProposal;
  /** For policies that keep their own statistics (the baselines). */
  observe?(o: PacingObservation, at: EpochMs): void;
}

export function proposal(dials: number, note: string, expected?: Partial<PolicyProposal>): PolicyProposal {
  return {
    dials: Math.max(0, Math.floor(dials)),
    expectedFreeAgents: expected?.expectedFreeAgents ?? NaN,
    expectedLiveAnswers: expected?.expectedLiveAnswers ?? NaN,
    expectedAbandons: expected?.expectedAbandons ?? NaN,
    note,
  };
}
