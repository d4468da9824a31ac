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
import { normalCdf, normalDensity } from './normal.js';

/** Beyond this many uncertain events, the normal approximation is used. */
const EXACT_LIMIT = 60;
const SCRATCH = new Float64Array(EXACT_LIMIT + 2);

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

/**
 * The largest n in [0, max] for which `ok` holds, by bisection, where `ok` holds up to some n and not beyond
 * (as "the expected shortfall of n new calls stays within a bound" does); 0 if it does not hold at 0.
 */
export function largestWithin(max: number, ok: (n: number) => boolean): number {
  if (!ok(0)) return 0;
  let lo = 0, hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** E[max(X, 0)] for X normal(mean, variance). */
export function normalPositivePart(mean: number, variance: number): number {
  if (variance <= 1e-12) return Math.max(mean, 0);
  const sd = Math.sqrt(variance);
  const z = mean / sd;
  return sd * normalDensity(z) + mean * normalCdf(z);
}

/**
 * E[max(L − F, 0)] for one horizon, where L = demand from the calls ringing
 * now plus `newCalls` more, each a person for an agent with probability
 * `newCallDemand`, and F = supply: `base` agents for sure plus each busy
 * agent with its probability of being free. Filled once per tick and
 * horizon, then asked for many values of `newCalls` while the policy searches.
 */
export class ShortfallModel {
  private demandMean = 0;
  private demandVariance = 0;
  private supplyMean: number;
  private supplyVariance = 0;
  /** Kept only while small enough for the exact computation. */
  private demand: number[] | undefined = [];
  private supply: number[] | undefined = [];
  private supplyDist: Float64Array | undefined;
  private demandDist: Float64Array | undefined;

  constructor(private readonly base: number) {
    this.supplyMean = base;
  }

  /** `count` ringing calls, each a person for an agent within the horizon with probability `q`. */
  addDemand(q: number, count = 1): void {
    this.demandMean += count * q;
    this.demandVariance += count * q * (1 - q);
    this.demand = this.keepIfSmall(this.demand, q, count);
  }

  /** `count` busy agents, each free within the horizon with probability `p`. */
  addSupply(p: number, count = 1): void {
    this.supplyMean += count * p;
    this.supplyVariance += count * p * (1 - p);
    this.supply = this.keepIfSmall(this.supply, p, count);
  }

  private keepIfSmall(list: number[] | undefined, p: number, count: number): number[] | undefined {
    if (!list) return undefined;
    if ((this.demand?.length ?? EXACT_LIMIT) + (this.supply?.length ?? EXACT_LIMIT) + count > EXACT_LIMIT) return undefined;
    for (let k = 0; k < count; k++) list.push(p);
    return list;
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
    if (this.demand && this.supply && this.demand.length + this.supply.length + newCalls <= EXACT_LIMIT) {
      this.supplyDist ??= poissonBinomial(this.supply);
      this.demandDist ??= poissonBinomial(this.demand);
      return this.exactShortfall(this.demandDist, this.supplyDist, newCalls, newCallDemand);
    }
    const mean = this.expectedDemand(newCalls, newCallDemand) - this.supplyMean;
    const variance = this.demandVariance + newCalls * newCallDemand * (1 - newCallDemand) + this.supplyVariance;
    return normalPositivePart(mean, variance);
  }

  /** Adds the new calls to the ringing calls' distribution in a scratch buffer: the search asks this many times a tick, allocating nothing. */
  private exactShortfall(ringing: Float64Array, f: Float64Array, newCalls: number, p: number): number {
    const l = SCRATCH;
    l.set(ringing);
    let size = ringing.length;
    for (let k = 0; k < newCalls; k++) {
      l[size] = 0;
      for (let j = size; j >= 1; j--) l[j] = l[j]! * (1 - p) + l[j - 1]! * p;
      l[0] = l[0]! * (1 - p);
      size++;
    }
    let shortfall = 0;
    for (let li = 1; li < size; li++) {
      const pl = l[li]!;
      if (pl < 1e-15) continue;
      for (let fi = 0; fi < f.length; fi++) {
        const gap = li - fi - this.base;
        if (gap <= 0) break;
        shortfall += pl * f[fi]! * gap;
      }
    }
    return shortfall;
  }
}
