/**
 * Steering by the abandons actually counted. The predictive policy's model
 * of abandons is only a model: bursts it cannot see (an agent pausing while
 * calls ring for them, a wave of short calls) make real abandons differ from
 * expected ones by a factor that depends on the campaign. So the share of
 * expected abandons the policy may risk is learned: every live answer
 * loosens it a little, every abandon tightens it more, and it settles where
 * real abandons run at the aim, a margin under the target. It never loosens
 * while the regulatory window is over the target, nor during the cold start.
 *
 * A young campaign is steered harder (issue 13: a 100-agent campaign's first
 * half hour ran at 3.46% on one seed of five while its shift stayed under
 * 3%): its first abandons move the ratio more, since its model is the least
 * tried (its talk times come from the short calls that ended first).
 */
import { abandonRate, type AbandonRates } from './abandon-ledger.js';
import type { PacingSettings } from './settings.js';

/** The share of the target aimed at, leaving room for chance in a finite window. */
export const AIM = 0.85;
/**
 * How strongly one abandon tightens (and one live answer loosens, AIM × target times as much): at least
 * MIN_GAIN, more where abandons are rare events (a small team sees one or two an hour), so that its
 * ratio still settles within hours rather than days, and more for a campaign's first abandons
 * (YOUNG_GAIN over the root of those counted since the start).
 */
const MIN_GAIN = 0.05;
const RARE_EVENT_GAIN = 0.25;
const YOUNG_GAIN = 0.75;
/** Start as if the model were four times too optimistic; the steering finds the truth. */
const INITIAL_SHARE = 0.25;

export class AbandonSteering {
  private logRatio: number | undefined;
  private seenLive = 0;
  private seenAbandoned = 0;

  /**
   * The ratio of expected abandons to expected live answers the next calls may risk.
   * @param loosen false while something else holds the calls below what the ratio allows (the cold start):
   *               live answers without abandons then say nothing of the model, and must not loosen the ratio
   *               for when the hold ends; abandons still tighten it
   */
  ratio(settings: PacingSettings, abandons: AbandonRates, loosen = true): number {
    const target = settings.abandonTarget;
    if (target <= 0) return 0;
    const fp = settings.countDetectionFalsePositivesAsAbandoned ? settings.detectionFalsePositiveRate : 0;
    const all = abandons.sinceStart;
    const live = all.liveAnswers + fp * all.machineHangups;
    const abandoned = all.abandoned + fp * all.machineHangups;
    if (live < this.seenLive) this.seenLive = this.seenAbandoned = 0;
    const abandonsPerHourAtAim = AIM * target * abandons.lastHour.liveAnswers;
    const gain = Math.max(MIN_GAIN, RARE_EVENT_GAIN / Math.sqrt(Math.max(1, abandonsPerHourAtAim)), YOUNG_GAIN / Math.sqrt(Math.max(1, abandoned)));
    let step = gain * (AIM * target * (live - this.seenLive) - (abandoned - this.seenAbandoned));
    this.seenLive = live;
    this.seenAbandoned = abandoned;
    if (step > 0 && (!loosen || abandonRate(abandons.window, fp) > target)) step = 0;
    const lowest = Math.log(target * 1e-4);
    const highest = Math.log(2 * target);
    this.logRatio = Math.min(highest, Math.max(lowest, (this.logRatio ?? Math.log(INITIAL_SHARE * AIM * target)) + step));
    return Math.exp(this.logRatio);
  }
}
