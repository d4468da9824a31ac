/**
 * An online estimate of a duration's distribution (ring time, talk time,
 * wrap-up time), learned from observations as they arrive.
 *
 * Durations are kept in log-spaced bins, so that a 2 s ring and a 900 s talk
 * are both resolved to a few percent, with linear interpolation inside a bin.
 * Older observations fade geometrically (`halfLife` observations), so the
 * estimate follows a campaign whose calls get longer or shorter.
 *
 * A histogram of a few dozen calls is spiky, and conditional probabilities
 * taken from it swing between 0 and 1; so while observations are few, the
 * histogram is blended with a lognormal of the same log-mean and log-spread,
 * giving way to the histogram as evidence accumulates.
 *
 * Queries (cdf, conditional probabilities) cost O(1) after a once-per-change
 * O(bins) prefix sum: the pacing tick asks hundreds of them.
 */
import { normalCdf } from './normal.js';

const MIN_SEC = 0.25;
const MAX_SEC = 4 * 3600;
const BINS = 96;
/** Observations at which the histogram and the lognormal weigh the same. */
const SMOOTHING_WEIGHT = 20;
const LOG_MIN = Math.log(MIN_SEC);
const LOG_STEP = (Math.log(MAX_SEC) - LOG_MIN) / BINS;
/** Upper edge of each bin, in seconds; bin 0 also holds everything below MIN_SEC. */
const EDGES = Array.from({ length: BINS }, (_, i) => Math.exp(LOG_MIN + (i + 1) * LOG_STEP));

function binOf(sec: number): number {
  if (sec <= MIN_SEC) return 0;
  const i = Math.floor((Math.log(sec) - LOG_MIN) / LOG_STEP);
  return i >= BINS ? BINS - 1 : i;
}

export class DurationDistribution {
  private readonly weights = new Float64Array(BINS);
  private readonly cumulative = new Float64Array(BINS);
  private total = 0;
  private weightedSum = 0;
  private weightedLogSum = 0;
  private weightedLogSquares = 0;
  private stale = false;
  /** Weight of the next observation; grows instead of decaying all old ones, renormalised when large. */
  private nextWeight = 1;
  private readonly growth: number;
  private observed = 0;

  constructor(halfLife = 500) {
    this.growth = Math.pow(2, 1 / halfLife);
  }

  /** How many observations have been made (not weighted). */
  get count(): number {
    return this.observed;
  }

  observe(sec: number): void {
    const s = Math.max(0, Math.min(sec, MAX_SEC));
    this.weights[binOf(s)]! += this.nextWeight;
    this.total += this.nextWeight;
    this.weightedSum += this.nextWeight * s;
    const log = Math.log(Math.max(s, MIN_SEC));
    this.weightedLogSum += this.nextWeight * log;
    this.weightedLogSquares += this.nextWeight * log * log;
    this.observed++;
    this.nextWeight *= this.growth;
    if (this.nextWeight > 1e100) this.renormalise();
    this.stale = true;
  }

  /** Mean in seconds; NaN before the first observation. */
  mean(): number {
    return this.total > 0 ? this.weightedSum / this.total : NaN;
  }

  /** P(X ≤ sec). */
  cdf(sec: number): number {
    if (this.total === 0) return 0;
    if (sec <= 0) return 0;
    const histogram = this.histogramCdf(sec);
    if (this.observed >= 40 * SMOOTHING_WEIGHT) return histogram;
    const w = this.observed / (this.observed + SMOOTHING_WEIGHT);
    return w * histogram + (1 - w) * this.lognormalCdf(sec);
  }

  private lognormalCdf(sec: number): number {
    const mu = this.weightedLogSum / this.total;
    const variance = Math.max(this.weightedLogSquares / this.total - mu * mu, 1e-6);
    return normalCdf((Math.log(sec) - mu) / Math.sqrt(variance));
  }

  private histogramCdf(sec: number): number {
    if (this.stale) this.rebuild();
    const b = binOf(sec);
    const lower = b === 0 ? 0 : EDGES[b - 1]!;
    const upper = EDGES[b]!;
    const before = b === 0 ? 0 : this.cumulative[b - 1]!;
    const inBin = this.cumulative[b]! - before;
    const fraction = sec >= upper ? 1 : Math.max(0, (sec - lower) / (upper - lower));
    return (before + inBin * fraction) / this.total;
  }

  /** P(X ≤ elapsed + horizon | X > elapsed): the chance that something already `elapsed` long ends within `horizon`. */
  endsWithin(elapsed: number, horizon: number): number {
    const survived = 1 - this.cdf(elapsed);
    if (survived <= 1e-9) return 1;
    return Math.min(1, Math.max(0, (this.cdf(elapsed + horizon) - (1 - survived)) / survived));
  }

  /** The q-quantile in seconds (0 < q < 1); NaN before the first observation. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    if (this.stale) this.rebuild();
    const target = q * this.total;
    for (let b = 0; b < BINS; b++) {
      const upTo = this.cumulative[b]!;
      if (upTo >= target) {
        const before = b === 0 ? 0 : this.cumulative[b - 1]!;
        const lower = b === 0 ? 0 : EDGES[b - 1]!;
        const inBin = upTo - before;
        return lower + (inBin > 0 ? (target - before) / inBin : 0) * (EDGES[b]! - lower);
      }
    }
    return MAX_SEC;
  }

  private rebuild(): void {
    let run = 0;
    for (let b = 0; b < BINS; b++) {
      run += this.weights[b]!;
      this.cumulative[b] = run;
    }
    this.stale = false;
  }

  private renormalise(): void {
    const k = 1 / this.nextWeight;
    for (let b = 0; b < BINS; b++) this.weights[b]! *= k;
    this.total *= k;
    this.weightedSum *= k;
    this.weightedLogSum *= k;
    this.weightedLogSquares *= k;
    this.nextWeight = 1;
    this.stale = true;
  }
}
