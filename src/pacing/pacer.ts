/**
 * The pacing core's front door. It learns from outcomes (observe, and the
 * abandon ledger's counts) and, given a snapshot, decides how many calls to
 * launch now, clamped to every limit, with the estimates behind the decision
 * for logs, the terminal demo and the wallboard.
 *
 * Pure: no I/O, no clock of its own (time comes in the snapshot), no random
 * numbers; the same inputs give the same decisions.
 */
import { AbandonLedger, abandonRate } from './abandon-ledger.js';
import { CampaignEstimates, type PacingObservation } from './estimates.js';
import { dialAllowance, type LimitName } from './limits.js';
import type { DialPolicy } from './policy.js';
import { fixedRatioPolicy, previewPolicy } from './policies/fixed-ratio.js';
import { createPredictivePolicy } from './policies/predictive.js';
import type { PacingSettings } from './settings.js';
import { countSnapshot, type PacingSnapshot, type SnapshotCounts } from './snapshot.js';
import type { EpochMs } from '../domain/time.js';

export interface PacingDecision {
  readonly at: EpochMs;
  readonly policy: string;
  /** Calls to launch now. */
  readonly dials: number;
  /** What the policy wanted before the limits. */
  readonly proposed: number;
  /** The limit that cut the proposal, if one did. */
  readonly limitedBy: LimitName | null;
  /** Calls not yet connected after this decision, per active agent. */
  readonly dialLevel: number;
  readonly expectedFreeAgents: number;
  readonly expectedLiveAnswers: number;
  readonly expectedAbandons: number;
  readonly note: string;
  readonly counts: SnapshotCounts;
  readonly estimates: {
    readonly warmedUp: boolean;
    readonly agentDemandRate: number;
    readonly meanAnswerSec: number;
    readonly meanTalkSec: number;
    readonly meanWrapUpSec: number;
  };
  /** Abandon rate over the regulatory window, as the regulator counts it. */
  readonly abandonRate: number;
  /** Abandon rate over the last hour, counted the same way: what the steering pays back at once. */
  readonly abandonRateLastHour: number;
  /**
   * People machine detection is estimated to have hung up on in the window,
   * counted as abandoned where the profile counts them (UK); null elsewhere.
   */
  readonly detectionFalsePositives: number | null;
  /** Leads at hand for the next dials. */
  readonly leadsAvailable: number;
}

export function policyForMode(settings: PacingSettings): DialPolicy {
  switch (settings.mode) {
    case 'preview':
      return previewPolicy;
    case 'progressive':
      return fixedRatioPolicy('progressive', 1);
    case 'power':
      return fixedRatioPolicy('power', settings.powerLinesPerAgent);
    case 'predictive':
      return createPredictivePolicy();
  }
}

export class Pacer {
  readonly estimates = new CampaignEstimates();
  private ledger: AbandonLedger;
  private settings: PacingSettings;
  private policy: DialPolicy;

  /** @param policy overrides the mode's policy (the benchmark's baselines). */
  constructor(settings: PacingSettings, policy?: DialPolicy) {
    this.settings = settings;
    this.policy = policy ?? policyForMode(settings);
    this.ledger = new AbandonLedger(settings.abandonWindowHours);
  }

  /** Settings changed while running take effect on the next tick; the ledger is kept unless the window changed. */
  updateSettings(settings: PacingSettings): void {
    if (settings.abandonWindowHours !== this.settings.abandonWindowHours) {
      this.ledger = new AbandonLedger(settings.abandonWindowHours);
    }
    if (settings.mode !== this.settings.mode) this.policy = policyForMode(settings);
    this.settings = settings;
  }

  observe(o: PacingObservation, at: EpochMs): void {
    this.estimates.observe(o);
    this.policy.observe?.(o, at);
  }

  recordLiveAnswer(at: EpochMs): void {
    this.ledger.recordLiveAnswer(at);
  }

  recordAbandon(at: EpochMs): void {
    this.ledger.recordAbandon(at);
  }

  recordMachineHangup(at: EpochMs): void {
    this.ledger.recordMachineHangup(at);
  }

  abandonTotals() {
    return this.ledger.totals();
  }

  decide(snapshot: PacingSnapshot): PacingDecision {
    const counts = countSnapshot(snapshot);
    const allowance = dialAllowance(this.settings, snapshot, counts);
    const abandons = this.ledger.rates(snapshot.now);
    const p =
      allowance.max > 0 || counts.active > 0
        ? this.policy.propose({
            snapshot,
            counts,
            settings: this.settings,
            estimates: this.estimates,
            abandons,
            maxDials: allowance.max,
          })
        : { dials: 0, expectedFreeAgents: 0, expectedLiveAnswers: 0, expectedAbandons: 0, note: 'no agents' };
    const dials = Math.min(p.dials, allowance.max);
    const est = this.estimates;
    const fp = this.settings.countDetectionFalsePositivesAsAbandoned ? this.settings.detectionFalsePositiveRate : 0;
    return {
      at: snapshot.now,
      policy: this.policy.name,
      dials,
      proposed: p.dials,
      limitedBy: p.dials > allowance.max ? allowance.limitedBy : null,
      dialLevel: counts.active > 0 ? (counts.ringing + counts.waiting + dials) / counts.active : 0,
      expectedFreeAgents: p.expectedFreeAgents,
      expectedLiveAnswers: p.expectedLiveAnswers,
      expectedAbandons: p.expectedAbandons,
      note: p.note,
      counts,
      estimates: {
        warmedUp: est.warmedUp,
        agentDemandRate: est.agentDemand.mean(),
        meanAnswerSec: est.demandArrival.mean(),
        meanTalkSec: est.talk.mean(),
        meanWrapUpSec: est.wrapUp.mean(),
      },
      abandonRate: abandonRate(abandons.window, fp),
      abandonRateLastHour: abandonRate(abandons.lastHour, fp),
      detectionFalsePositives: this.settings.countDetectionFalsePositivesAsAbandoned ? abandons.window.machineHangups * fp : null,
      leadsAvailable: snapshot.capacity.leadsAvailable,
    };
  }
}
