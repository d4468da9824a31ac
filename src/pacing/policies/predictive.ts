/**
 * Predictive dialing: launch calls ahead of agents becoming free, as many as
 * keep the abandons expected from them under the campaign's target.
 *
 * On each tick, for a few look-ahead horizons h (quantiles of how long a
 * person takes to answer), it estimates
 *   - supply: agents free by h plus the connect deadline (ready now, or on a
 *     call or in wrap-up that ends by then, from the learned talk and wrap-up
 *     distributions, conditioned on how long each has lasted), and
 *   - demand: people who will need an agent by h (each ringing call,
 *     conditioned on how long it has rung, plus each new call),
 * and launches the largest number of new calls for which expected shortfall
 * (expected abandons) stays under target × expected live answers at every
 * horizon. The target is steered by the abandons already counted in the
 * regulatory window, so that a bad hour is paid back, and the estimate of the
 * answer rate is taken one standard error high, so that thin evidence means
 * fewer calls.
 *
 * It never launches fewer calls than progressive dialing would (one per ready
 * agent not already covered), because those calls cannot abandon.
 */
import { abandonRate, type AbandonRates } from '../abandon-ledger.js';
import type { CampaignEstimates } from '../estimates.js';
import { proposal, type DialPolicy, type PolicyContext, type PolicyProposal } from '../policy.js';
import type { PacingSettings } from '../settings.js';
import { ShortfallModel } from '../shortfall.js';
import type { PacingSnapshot } from '../snapshot.js';

/** Share of the target the policy aims at, leaving room for what its model does not know. */
const AIM = 0.8;
/** Share of the abandon budget (or debt) in the window spent (or repaid) per 15 minutes. */
const BUDGET_PACE = 0.5;
const HORIZON_QUANTILES = [0.25, 0.5, 0.75, 0.95] as const;

/** The abandon ratio the next calls may risk, given what the window has already spent. */
export function steeredTarget(settings: PacingSettings, abandons: AbandonRates): number {
  const target = settings.abandonTarget;
  if (target <= 0) return 0;
  const fp = settings.countDetectionFalsePositivesAsAbandoned ? settings.detectionFalsePositiveRate : 0;
  const w = abandons.window;
  const hidden = w.machineHangups * fp;
  const budget = AIM * target * (w.liveAnswers + hidden) - (w.abandoned + hidden);
  const nearFuture = Math.max(abandons.liveAnswersLast15Min, 10);
  let steered = AIM * target + (BUDGET_PACE * budget) / nearFuture;
  const hour = abandons.lastHour;
  if (hour.liveAnswers >= 20 && abandonRate(hour, fp) > 2 * target) steered = Math.min(steered, (AIM * target) / 2);
  return Math.max(0, Math.min(steered, 2 * target));
}

interface Horizon {
  readonly model: ShortfallModel;
  /** P(a call launched now is a person for an agent within the horizon). */
  readonly newCallDemand: number;
}

function horizonModel(s: PacingSnapshot, est: CampaignEstimates, settings: PacingSettings, h: number, pDemand: number): Horizon {
  const reach = h + settings.connectDeadlineSec;
  const nowSec = s.now / 1000;
  let ready = 0;
  const supply: number[] = [];
  for (const a of s.agents) {
    if (a.pausePending) continue;
    if (a.state === 'ready') ready++;
    else if (a.state === 'on-call' || a.state === 'reserved') {
      supply.push(est.onCallFreeWithin(nowSec - (a.callStartedAt ?? a.stateSince) / 1000, reach));
    } else if (a.state === 'wrap-up') {
      supply.push(est.wrapUpFreeWithin(nowSec - a.stateSince / 1000, reach));
    }
  }
  const demand: number[] = [];
  let waiting = 0;
  for (const c of s.calls) {
    if (c.phase === 'ringing') demand.push(est.demandWithin(nowSec - c.originatedAt / 1000, h));
    else if (c.phase === 'waiting') waiting++;
  }
  // People already waiting take the first free agents.
  const base = ready - waiting;
  return {
    model: new ShortfallModel(demand, { base, probabilities: supply }),
    newCallDemand: pDemand * est.demandArrival.cdf(h),
  };
}

/** The largest n ≤ max with shortfall(n) ≤ ratio × demand(n), by bisection (both grow with n, shortfall faster). */
function largestSafe(hz: Horizon, ratio: number, max: number): number {
  const ok = (n: number) =>
    hz.model.expectedShortfall(n, hz.newCallDemand) <= ratio * hz.model.expectedDemand(n, hz.newCallDemand) + 1e-9;
  if (!ok(0)) return 0;
  let lo = 0, hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export const predictivePolicy: DialPolicy = {
  name: 'predictive',
  propose(ctx: PolicyContext): PolicyProposal {
    const { counts, estimates: est, settings, snapshot } = ctx;
    const progressiveFloor = counts.ready - counts.ringing - counts.waiting;
    if (!est.warmedUp) return proposal(progressiveFloor, 'warming up: one call per ready agent until outcomes are known');

    const ratio = steeredTarget(settings, ctx.abandons);
    // Thin evidence about the answer rate means fewer calls, not more.
    const pDemand = Math.min(1, est.agentDemand.mean() + Math.sqrt(est.agentDemand.variance()));
    let dials = ctx.maxDials;
    let binding: { hz: Horizon; n: number } | undefined;
    for (const q of HORIZON_QUANTILES) {
      const h = est.demandArrival.quantile(q);
      const hz = horizonModel(snapshot, est, settings, h, pDemand);
      const n = largestSafe(hz, ratio, dials);
      if (!binding || n <= dials) binding = { hz, n };
      dials = Math.min(dials, n);
    }
    const chosen = Math.max(dials, progressiveFloor);
    const hz = binding!.hz;
    return proposal(chosen, `abandon ratio allowed ${(ratio * 100).toFixed(2)}%`, {
      expectedFreeAgents: hz.model.expectedSupply,
      expectedLiveAnswers: hz.model.expectedDemand(chosen, hz.newCallDemand),
      expectedAbandons: hz.model.expectedShortfall(chosen, hz.newCallDemand),
    });
  },
};
