/**
 * A campaign's day so far, quarter hour by quarter hour from midnight in a
 * named zone, for the supervisor page's charts to start from (the engines'
 * pacing reports extend them live): at the end of each quarter hour, the
 * abandon rate over the regulatory window ending there (with the estimated
 * machine-detection false positives where the profile counts them) and over
 * the hour ending there, and the quarter hour's occupancy ((on a call + wrap-up)
 * / logged in, from the agents' state history).
 *
 * Read from the stored attempts by origination through the reports' rollup,
 * so a thirty-day window costs a few thousand quarter-hour sums; the engine's
 * own rate counts by answer from its ledger, so the two can differ by the
 * calls that straddle a quarter hour's edge.
 */
import type { Campaign } from '../campaigns/campaign.js';
import { HOUR, type EpochMs } from '../domain/time.js';
import { attemptSums, BUCKET_MS } from '../reports/attempt-sums.js';
import { agentTimeByPeriod } from '../reports/reports.js';
import type { Queryable } from '../storage/db.js';

export interface DayPoint {
  readonly at: EpochMs;
  readonly abandonRate: number | null;
  readonly abandonRateLastHour: number | null;
  readonly occupancy: number | null;
}

export interface DayHistory {
  readonly timeZone: string;
  /** Midnight in the zone, as an instant. */
  readonly from: EpochMs;
  readonly to: EpochMs;
  readonly points: readonly DayPoint[];
}

export async function dayHistory(db: Queryable, campaign: Campaign, timeZone: string, now: EpochMs): Promise<DayHistory> {
  const { rows } = await db.query<{ midnight: Date }>(`SELECT date_trunc('day', $1::timestamptz AT TIME ZONE $2) AT TIME ZONE $2 AS midnight`, [new Date(now), timeZone]);
  const from = rows[0]!.midnight.getTime();
  const { abandonWindowHours, countDetectionFalsePositivesAsAbandoned, detectionFalsePositiveRate } = campaign.pacing;
  const windowMs = Math.max(abandonWindowHours * HOUR, HOUR);
  const request = { campaignId: campaign.id, timeZone, from: from - windowMs, to: now, by: 'quarter-hour' as const };
  const [sums, time] = await Promise.all([attemptSums(db, 'campaign', request), agentTimeByPeriod(db, 'campaign', { ...request, from })]);

  const quarters = new Map<number, { live: number; abandons: number; machines: number }>();
  for (const s of sums) {
    const q = quarters.get(s.starts.getTime()) ?? { live: 0, abandons: 0, machines: 0 };
    quarters.set(s.starts.getTime(), { live: q.live + s.live, abandons: q.abandons + s.abandons, machines: q.machines + s.machines });
  }
  const seconds = new Map<number, { busy: number; loggedIn: number }>();
  for (const t of time) {
    const q = seconds.get(t.starts.getTime()) ?? { busy: 0, loggedIn: 0 };
    const busy = t.state === 'on-call' || t.state === 'wrap-up' ? t.seconds : 0;
    seconds.set(t.starts.getTime(), { busy: q.busy + busy, loggedIn: q.loggedIn + t.seconds });
  }
  // The abandon rate of the quarter hours starting in [since, until), as the profile counts it.
  const rate = (since: EpochMs, until: EpochMs) => {
    let [live, abandons, machines] = [0, 0, 0];
    for (let q = since; q < until; q += BUCKET_MS) {
      const sum = quarters.get(q);
      if (sum) [live, abandons, machines] = [live + sum.live, abandons + sum.abandons, machines + sum.machines];
    }
    const falsePositives = countDetectionFalsePositivesAsAbandoned ? machines * detectionFalsePositiveRate : 0;
    return live + falsePositives > 0 ? (abandons + falsePositives) / (live + falsePositives) : null;
  };
  const points: DayPoint[] = [];
  for (let q = from; q < now; q += BUCKET_MS) {
    const end = q + BUCKET_MS;
    const occupied = seconds.get(q);
    points.push({
      at: Math.min(end, now),
      abandonRate: rate(end - windowMs, end),
      abandonRateLastHour: rate(end - HOUR, end),
      occupancy: occupied && occupied.loggedIn > 0 ? occupied.busy / occupied.loggedIn : null,
    });
  }
  return { timeZone, from, to: now, points };
}
