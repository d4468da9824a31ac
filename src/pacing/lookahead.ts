/**
 * The look-ahead probabilities the predictive policy needs for every call and
 * agent on every tick: P(a call ringing for e seconds becomes a person for an
 * agent within h), P(an agent e seconds into a call or wrap-up is free within
 * h). Elapsed times are put on a grid (a quarter second for ringing calls, a
 * second for agents), so a tick weighs a few hundred grid points rather than
 * thousands of calls, and each point is computed once per refresh, when first
 * needed. The estimates move slowly next to the 5-second refresh, and a tick
 * at 500 agents stays far under a millisecond.
 */
import type { CampaignEstimates } from './estimates.js';
import type { PacingSettings } from './settings.js';
import type { PacingSnapshot } from './snapshot.js';
import type { EpochMs } from '../domain/time.js';

/** How long a set of tables serves before it is rebuilt from the latest estimates. */
export const LOOKAHEAD_REFRESH_MS = 5000;
const RING_STEP_SEC = 0.25;
const AGENT_STEP_SEC = 1;
/** Calls and wrap-ups beyond these lengths are rare and weighed at the last grid point. */
const AGENT_GRID_SEC = 3600;
const WRAP_UP_GRID_SEC = 600;
const HORIZON_QUANTILES = [0.25, 0.5, 0.75, 0.95] as const;

/** How many calls or agents sit at each grid point, and which points are used; reused tick after tick. */
class GridCounts {
  readonly counts: Int32Array;
  readonly used: number[] = [];

  constructor(size: number, private readonly step: number) {
    this.counts = new Int32Array(size);
  }

  add(elapsedSec: number): void {
    const i = Math.min(this.counts.length - 1, Math.max(0, Math.round(elapsedSec / this.step)));
    if (this.counts[i]!++ === 0) this.used.push(i);
  }

  clear(): void {
    for (const i of this.used) this.counts[i] = 0;
    this.used.length = 0;
  }
}

/**
 * Everything the look-ahead weighs, put on the grid once per tick. One
 * instance serves every tick of a campaign, so the pacing tick allocates
 * next to nothing and the garbage collector does not pause it.
 */
export class InFlight {
  /** Ready agents less people already waiting: agents surely free. */
  certainSupply = 0;
  readonly onCall = new GridCounts(AGENT_GRID_SEC / AGENT_STEP_SEC + 1, AGENT_STEP_SEC);
  readonly wrapUp = new GridCounts(WRAP_UP_GRID_SEC / AGENT_STEP_SEC + 1, AGENT_STEP_SEC);
  ringing = new GridCounts(1, RING_STEP_SEC);

  gather(s: PacingSnapshot, settings: PacingSettings): this {
    const ringingPoints = Math.ceil((settings.ringTimeoutSec + 5) / RING_STEP_SEC) + 1;
    if (this.ringing.counts.length !== ringingPoints) this.ringing = new GridCounts(ringingPoints, RING_STEP_SEC);
    this.onCall.clear();
    this.wrapUp.clear();
    this.ringing.clear();
    const nowSec = s.now / 1000;
    let ready = 0, waiting = 0;
    for (const a of s.agents) {
      // An agent who asked for a pause will not be free for calls.
      if (a.pausePending) continue;
      if (a.state === 'ready') ready++;
      else if (a.state === 'on-call' || a.state === 'reserved') this.onCall.add(nowSec - (a.callStartedAt ?? a.stateSince) / 1000);
      else if (a.state === 'wrap-up') this.wrapUp.add(nowSec - a.stateSince / 1000);
    }
    for (const c of s.calls) {
      if (c.phase === 'ringing') this.ringing.add(nowSec - c.originatedAt / 1000);
      else if (c.phase === 'waiting') waiting++;
    }
    this.certainSupply = ready - waiting;
    return this;
  }
}

/** A probability as a function of elapsed seconds, on a grid, each point computed when first needed. */
class LazyCurve {
  private points = new Float64Array(0);
  private f: (x: number) => number = () => 0;

  constructor(private readonly step: number) {}

  reset(size: number, f: (x: number) => number): void {
    if (this.points.length !== size) this.points = new Float64Array(size);
    this.points.fill(NaN);
    this.f = f;
  }

  at(i: number): number {
    const v = this.points[i]!;
    return Number.isNaN(v) ? (this.points[i] = this.f(i * this.step)) : v;
  }
}

/** One look-ahead horizon's probabilities at the grid points; rebuilt in place, so refreshing allocates nothing. */
export class HorizonTable {
  /** Seconds ahead, for calls being answered. */
  horizonSec = 0;
  /** P(a call launched now is a person for an agent within the horizon), with the demand rate taken one standard error high. */
  newCallDemand = 0;
  private readonly ringing = new LazyCurve(RING_STEP_SEC);
  private readonly onCall = new LazyCurve(AGENT_STEP_SEC);
  private readonly wrapUp = new LazyCurve(AGENT_STEP_SEC);

  rebuild(est: CampaignEstimates, settings: PacingSettings, quantile: number, pDemand: number, inFlight: InFlight): void {
    const h = est.demandArrival.quantile(quantile);
    const reach = h + settings.connectDeadlineSec;
    this.horizonSec = h;
    this.newCallDemand = pDemand * est.demandArrival.cdf(h);
    this.ringing.reset(inFlight.ringing.counts.length, (e) => est.demandWithin(e, h));
    this.onCall.reset(inFlight.onCall.counts.length, (e) => est.onCallFreeWithin(e, reach));
    this.wrapUp.reset(inFlight.wrapUp.counts.length, (e) => est.wrapUpFreeWithin(e, reach));
  }

  ringingDemand(point: number): number {
    return this.ringing.at(point);
  }

  onCallFree(point: number): number {
    return this.onCall.at(point);
  }

  wrapUpFree(point: number): number {
    return this.wrapUp.at(point);
  }
}

/** Keeps the current tables and rebuilds them when they are older than the refresh interval. */
export class LookaheadTables {
  private readonly tables = HORIZON_QUANTILES.map(() => new HorizonTable());
  private builtAt: EpochMs = -Infinity;
  private builtFor: PacingSettings | undefined;

  get(now: EpochMs, est: CampaignEstimates, settings: PacingSettings, inFlight: InFlight): readonly HorizonTable[] {
    if (now - this.builtAt >= LOOKAHEAD_REFRESH_MS || settings !== this.builtFor) {
      // Thin evidence about the answer rate means fewer calls, not more.
      const pDemand = Math.min(1, est.agentDemand.mean() + Math.sqrt(est.agentDemand.variance()));
      this.tables.forEach((t, i) => t.rebuild(est, settings, HORIZON_QUANTILES[i]!, pDemand, inFlight));
      this.builtAt = now;
      this.builtFor = settings;
    }
    return this.tables;
  }
}
