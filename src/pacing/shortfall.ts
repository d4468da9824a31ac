/**
 * Expected shortfall of agents: E[max(L − F, 0)] where L, the people who will
 * need an agent, and F, the agents who will be free, are sums of independent
 * yes/no events with known probabilities. That expectation is the number of
 * abandons a dialing decision should expect.
 *
 * Small teams get the exact distribution (Poisson-binomial by dynamic
 * programming), because a normal approximation misjudges the tails of a
 * handful of events and a 5-agent team then swings; large ones get the
 * normal approximation, exact enough there and O(1).
 */

/** Beyond this many uncertain events, the normal approximation is used. */
const EXACT_LIMIT = 60;

export interface BernoulliSum {
  /** Certain part (ready agents, for F). */
  readonly base: number;
  readonly probabilities: readonly number[];
}

function poissonBinomial(ps: readonly number[]): Float64Array {
  const dist = new Float64Array(ps.length + 1);
  dist[0] = 1;
  let size = 1;
  for (const p of ps) {
    for (let k = size; k >= 1; k--) dist[k] = dist[k]! * (1 - p) + dist[k - 1]! * p;
    dist[0] = dist[0]! * (1 - p);
    size++;
  }
  return dist;
}

/** Standard normal density and distribution (Abramowitz–Stegun 26.2.17, error < 7.5e-8). */
function phi(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}
function Phi(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const upper = phi(x) * poly;
  return x >= 0 ? 1 - upper : upper;
}

/** E[max(X, 0)] for X normal(mean, variance). */
export function normalPositivePart(mean: number, variance: number): number {
  if (variance <= 1e-12) return Math.max(mean, 0);
  const sd = Math.sqrt(variance);
  const z = mean / sd;
  return sd * phi(z) + mean * Phi(z);
}

/**
 * E[max(L − F, 0)] for one horizon, where L = demand from the calls ringing
 * now plus `newCalls` more, each a person for an agent with probability
 * `newCallDemand`, and F = supply. Built once per tick and horizon, then asked
 * for many values of `newCalls` while the policy searches.
 */
export class ShortfallModel {
  private readonly exact: boolean;
  private readonly demandMean: number;
  private readonly demandVariance: number;
  private readonly supplyMean: number;
  private readonly supplyVariance: number;
  private readonly supplyDist: Float64Array | undefined;

  constructor(
    private readonly demand: readonly number[],
    private readonly supply: BernoulliSum,
  ) {
    this.exact = demand.length + supply.probabilities.length <= EXACT_LIMIT;
    let dm = 0, dv = 0, sm = supply.base, sv = 0;
    for (const q of demand) {
      dm += q;
      dv += q * (1 - q);
    }
    for (const p of supply.probabilities) {
      sm += p;
      sv += p * (1 - p);
    }
    this.demandMean = dm;
    this.demandVariance = dv;
    this.supplyMean = sm;
    this.supplyVariance = sv;
    this.supplyDist = this.exact ? poissonBinomial(supply.probabilities) : undefined;
  }

  /** Expected people needing an agent within the horizon. */
  expectedDemand(newCalls: number, newCallDemand: number): number {
    return this.demandMean + newCalls * newCallDemand;
  }

  /** Expected agents free within the horizon. */
  get expectedSupply(): number {
    return this.supplyMean;
  }

  expectedShortfall(newCalls: number, newCallDemand: number): number {
    if (this.exact && this.supplyDist && this.demand.length + newCalls <= EXACT_LIMIT) {
      const l = poissonBinomial(this.demand.concat(new Array<number>(newCalls).fill(newCallDemand)));
      const f = this.supplyDist;
      let shortfall = 0;
      for (let li = 1; li < l.length; li++) {
        const pl = l[li]!;
        if (pl < 1e-15) continue;
        for (let fi = 0; fi < f.length; fi++) {
          const gap = li - fi - this.supply.base;
          if (gap <= 0) break;
          shortfall += pl * f[fi]! * gap;
        }
      }
      return shortfall;
    }
    const mean = this.expectedDemand(newCalls, newCallDemand) - this.supplyMean;
    const variance = this.demandVariance + newCalls * newCallDemand * (1 - newCallDemand) + this.supplyVariance;
    return normalPositivePart(mean, variance);
  }
}
