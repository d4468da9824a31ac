/**
 * The probabilistic baseline: Issabel CallCenter Predictor.class.php,
 * reimplemented from the published description in
 * shared/docs/pacing-baselines.md for the benchmark.
 *
 * Calls = min(channels, free agents + agents about to free − customers
 * waiting) − calls ringing, where an agent is "about to free" when an
 * exponential talk-time model gives its call at least a `qos` chance (97% by
 * default) of ending within the average time to answer; then divided by the
 * answer-seizure ratio of the last 30 minutes (the overcommit option, on by
 * default here, since without it the method is progressive dialing at low
 * answer rates).
 */
import type { EpochMs } from '../../domain/time.js';
import type { PacingObservation } from '../estimates.js';
import { proposal, type DialPolicy } from '../policy.js';

const MIN_COMPLETED_CALLS = 10;
const ASR_WINDOW_MS = 30 * 60_000;
const ASR_FLOOR = 0.2;

export interface ProbabilisticBaselineOptions {
  /** Divide the calls by the recent answer-seizure ratio. */
  readonly overcommit: boolean;
  /** How sure the talk-time model must be that a busy agent frees in time to count it: lower dials sooner. */
  readonly qos: number;
}

export const PROBABILISTIC_BASELINE_DEFAULTS: ProbabilisticBaselineOptions = { overcommit: true, qos: 0.97 };

export function probabilisticBaselinePolicy(options: Partial<ProbabilisticBaselineOptions> = {}): DialPolicy {
  const { overcommit, qos } = { ...PROBABILISTIC_BASELINE_DEFAULTS, ...options };
  let answeredRingSum = 0, answeredCount = 0;
  let talkSum = 0, talkCount = 0;
  // Dials resolved in the last 30 minutes, oldest first from `head`; counts kept as they enter and leave.
  const recent: { at: EpochMs; answered: boolean }[] = [];
  let head = 0, recentAnswered = 0;

  return {
    name: 'probabilistic-baseline',
    observe(o: PacingObservation, at: EpochMs) {
      if (o.kind === 'resolved') {
        recent.push({ at, answered: o.answered });
        if (o.answered) recentAnswered++;
        if (o.answered) {
          answeredRingSum += o.secondsToResolve;
          answeredCount++;
        }
      } else if (o.kind === 'talk') {
        talkSum += o.seconds;
        talkCount++;
      }
    },
    propose({ snapshot, counts, maxDials }) {
      const now = snapshot.now;
      while (head < recent.length && recent[head]!.at < now - ASR_WINDOW_MS) {
        if (recent[head++]!.answered) recentAnswered--;
      }
      if (head > 4096 && head * 2 > recent.length) {
        recent.splice(0, head);
        head = 0;
      }
      const recentCount = recent.length - head;
      let aboutToFree = 0;
      if (talkCount >= MIN_COMPLETED_CALLS && answeredCount > 0) {
        const avgTimeToAnswer = answeredRingSum / answeredCount;
        const avgCallDuration = talkSum / talkCount;
        for (const a of snapshot.agents) {
          if (a.state !== 'on-call' || a.pausePending) continue;
          const t = (now - (a.callStartedAt ?? a.stateSince)) / 1000;
          if (1 - Math.exp(-(t + avgTimeToAnswer) / avgCallDuration) >= qos) aboutToFree++;
        }
      }
      let n = Math.min(maxDials + counts.ringing, counts.ready + aboutToFree - counts.waiting) - counts.ringing;
      if (overcommit && n > 0 && recentCount >= MIN_COMPLETED_CALLS) {
        const asr = Math.max(recentAnswered / recentCount, ASR_FLOOR);
        n = Math.round(n / asr);
      }
      return proposal(n, `${aboutToFree} agent(s) about to free`);
    },
  };
}
