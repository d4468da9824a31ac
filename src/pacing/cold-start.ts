/**
 * The predictive cold start's bound. A campaign that has just started knows
 * little: the answer rate rests on a handful of dials, and the first talks to
 * end are the short ones, so the talk-time estimate says busy agents will be
 * free sooner than they will. A model fed those estimates over-dials, and
 * abandons made in the first minutes stay in the regulatory window for the
 * rest of it (issue 13: 4 abandons in the first minute held a real campaign at
 * 6.06% for its whole run).
 *
 * So, until the evidence supports the estimates, the calls launched are
 * bounded by what the campaign has earned, not by what the model predicts:
 * the abandons to expect if no busy agent became free in time (the people the
 * calls in flight will bring, at the answer rate taken two standard errors
 * high, beyond the ready agents) may never exceed the abandon allowance the
 * live answers seen so far have earned (the aim times the live answers, less
 * the abandons already counted). With no live answer yet, nothing is allowed
 * beyond one call per ready agent; the bound opens as live answers come, and
 * is lifted once enough live answers and talks have been seen: enough live
 * answers for the aim to allow one abandon, and two completed talks per
 * agent, so that the long talks are in the estimate, not only the short ones.
 * After that, and until a burst of abandons could be absorbed, the model
 * risks only a share of what the steering allows (ColdStart.share).
 */
import { AIM } from './abandon-steering.js';
import type { AbandonCounts } from './abandon-ledger.js';
import type { CampaignEstimates } from './estimates.js';
import type { PacingSettings } from './settings.js';
import { ShortfallModel, largestWithin } from './shortfall.js';

/** Completed talks per active agent after which the talk estimate includes the long ones. */
export const TALKS_PER_AGENT = 2;

/**
 * Until the live answers seen allow this many abandons at the aim (200 at a 3% target), the model may risk
 * only the share of the steering's ratio that the abandons still allowed (the allowance) make of this many:
 * none before the first live answers, less after each early abandon, all of it once the live answers seen
 * are enough for a burst of this many to leave the rate since the start at the aim. A fresh campaign's model errs most, and an abandon
 * in its first minutes weighs on the rate for the rest of the window.
 */
export const ABANDONS_TO_ABSORB = 5;

/** The floor as the cold start sees it. */
export interface ColdStartFloor {
  /** Ready agents (not about to pause) less people already waiting: agents surely free. */
  readonly certainSupply: number;
  readonly ringing: number;
  /** Agents logged in and not paused. */
  readonly active: number;
}

export interface ColdStart {
  /** Abandons the live answers seen so far allow at the aim, less those counted. */
  readonly allowance: number;
  /** The share of the steering's ratio the model may risk now. */
  readonly share: number;
  /** While the estimates are not supported by evidence: the most new calls whose worst-case abandons stay within the allowance. */
  readonly maxDials?: number;
}

/** Live answers needed before the aim allows one abandon (40 at a 3% target). */
export function liveAnswersNeeded(settings: PacingSettings): number {
  return settings.abandonTarget > 0 ? Math.ceil(1 / (AIM * settings.abandonTarget)) : Infinity;
}

/** Whether the estimates rest on enough evidence for the predictive model to be trusted on its own. */
export function evidenceSufficient(est: CampaignEstimates, active: number, settings: PacingSettings): boolean {
  return est.demandArrival.count >= liveAnswersNeeded(settings) && est.agentTimesKnown && est.talk.count >= TALKS_PER_AGENT * active;
}

/** The abandons the live answers since the start allow at the aim, less those counted, as the regulator counts both. */
export function abandonAllowance(settings: PacingSettings, sinceStart: AbandonCounts): { allowance: number; live: number } {
  // UK: people hung up on as machines are abandoned live answers.
  const fp = settings.countDetectionFalsePositivesAsAbandoned ? settings.detectionFalsePositiveRate : 0;
  const hidden = fp * sinceStart.machineHangups;
  const live = sinceStart.liveAnswers + hidden;
  return { allowance: Math.max(0, AIM * settings.abandonTarget * live - (sinceStart.abandoned + hidden)), live };
}

/**
 * What the cold start allows now, or undefined once it is over (then the steering learns from what happens).
 * @param sinceStart the abandon ledger's counts since the campaign started
 * @param maxDials the most calls the limits allow now
 */
export function coldStart(
  est: CampaignEstimates,
  settings: PacingSettings,
  sinceStart: AbandonCounts,
  floor: ColdStartFloor,
  maxDials: number,
): ColdStart | undefined {
  const { allowance, live } = abandonAllowance(settings, sinceStart);
  const share = live >= ABANDONS_TO_ABSORB * liveAnswersNeeded(settings) ? 1 : Math.min(1, allowance / ABANDONS_TO_ABSORB);
  const supported = evidenceSufficient(est, floor.active, settings);
  if (supported && share >= 1) return undefined;
  if (supported) return { allowance, share };
  return { allowance, share, maxDials: worstCaseLimit(est, floor, allowance, maxDials) };
}

/** The largest n ≤ max whose expected abandons, if no busy agent were free in time, stay within the allowance. */
function worstCaseLimit(est: CampaignEstimates, floor: ColdStartFloor, allowance: number, max: number): number {
  const p = Math.min(1, est.agentDemand.mean() + 2 * Math.sqrt(est.agentDemand.variance()));
  const model = new ShortfallModel(floor.certainSupply);
  model.addDemand(p, floor.ringing);
  return largestWithin(max, (n) => model.expectedShortfall(n, p) <= allowance + 1e-9);
}
