/**
 * The attempts' sums per period of a time zone and per campaign, agent or
 * list, by disposition: from the rollup (rollup.ts) for the quarter hours it
 * holds up to date, from the attempts for the rest (quarter hours changed
 * since the last catch-up, the one being dialed, and the parts of the span
 * that cut a quarter hour). One statement, so one snapshot: the two sources
 * never count an attempt twice or miss one.
 */
import type { CampaignId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';

export const BUCKET_MS = 15 * 60_000;

/** What the rollup keys by: the report's list sources are read through the list. */
export type SumsDimension = 'campaign' | 'agent' | 'list';

export interface SumsRequest {
  readonly campaignId?: CampaignId | undefined;
  /** The zone's hours, days or (ISO) weeks, or the rollup's own quarter hours. */
  readonly by: 'hour' | 'day' | 'week' | 'quarter-hour';
  readonly from: EpochMs;
  readonly to: EpochMs;
  readonly timeZone: string;
  /** false reads the attempts alone (the test that compares the two, the benchmark's "before"). */
  readonly rollup?: boolean;
}

export interface AttemptSums {
  /** The period's start in the zone's wall-clock time (`2026-12-07 09:00`) and as an instant. */
  readonly period: string;
  readonly starts: Date;
  /** The campaign's id, the agent's id ('' for none) or the list's id. */
  readonly key: string;
  readonly disposition: string | null;
  readonly dials: number;
  readonly connects: number;
  readonly live: number;
  readonly abandons: number;
  readonly machines: number;
  readonly talk: number;
  readonly right_party: number;
  readonly sales: number;
}

export const LOCAL_FORMAT = 'YYYY-MM-DD HH24:MI';

/** The period of `at` in zone $2 by unit $1: its wall-clock start as text, and that start as an instant. */
export const PERIOD = (at: string) =>
  `to_char(date_trunc($1, ${at} AT TIME ZONE $2), '${LOCAL_FORMAT}') AS period, date_trunc($1, ${at} AT TIME ZONE $2) AT TIME ZONE $2 AS starts`;

/**
 * A campaign's attempts between two instants, read through attempts_campaign for each (campaign, range)
 * joined to it. OFFSET 0 keeps the planner from folding the subquery into a join: it cannot tell how
 * narrow a range given by a column is, and joined, it scanned every attempt against every range.
 */
export const ATTEMPTS_BETWEEN = (campaign: string, lo: string, hi: string) =>
  `SELECT * FROM attempts a WHERE a.campaign_id = ${campaign} AND a.originated_at >= ${lo} AND a.originated_at < ${hi} OFFSET 0`;

const RAW_KEY: Record<SumsDimension, string> = { campaign: 'a.campaign_id::text', agent: "coalesce(a.agent_id, '')", list: 'l.list_id::text' };

export async function attemptSums(db: Queryable, dimension: SumsDimension, r: SumsRequest): Promise<AttemptSums[]> {
  // The whole quarter hours inside the span go to the rollup, where the zone's periods are unions of them.
  let [first, last] = [Math.ceil(r.from / BUCKET_MS) * BUCKET_MS, Math.floor(r.to / BUCKET_MS) * BUCKET_MS];
  if (r.rollup === false || first >= last || !quarterHourZone(r.timeZone, r.from, r.to)) first = last = r.to;
  // A quarter hour's sums keep their quarter's start: date_trunc to the minute of the bucket.
  const [unit, at] = r.by === 'quarter-hour' ? ['minute', 'report_bucket(s.at)'] : [r.by, 's.at'];
  const { rows } = await db.query<AttemptSums>(
    `WITH
     campaigns AS (SELECT id FROM campaigns WHERE $5::uuid IS NULL OR id = $5),
     stale AS (SELECT DISTINCT m.campaign_id, m.bucket FROM attempt_rollup_stale m JOIN campaigns c ON c.id = m.campaign_id
                WHERE m.bucket >= $6::timestamptz AND m.bucket < $7::timestamptz),
     -- What the attempts are read for: stale quarter hours, and the span's ends that cut one.
     raw AS (SELECT campaign_id, bucket AS lo, bucket + interval '15 minutes' AS hi FROM stale
             UNION ALL SELECT id, $3::timestamptz, $6::timestamptz FROM campaigns WHERE $3::timestamptz < $6::timestamptz
             UNION ALL SELECT id, $7::timestamptz, $4::timestamptz FROM campaigns WHERE $7::timestamptz < $4::timestamptz),
     sums AS (
       SELECT r.bucket AS at, r.key, r.disposition, r.dials, r.connects, r.live_answers AS live, r.abandons, r.machines, r.talk_seconds AS talk
         FROM campaigns c JOIN attempt_rollup r ON r.dimension = $8::text AND r.campaign_id = c.id AND r.bucket >= $6 AND r.bucket < $7
        WHERE NOT EXISTS (SELECT 1 FROM stale s WHERE s.campaign_id = r.campaign_id AND s.bucket = r.bucket)
       UNION ALL
       SELECT a.originated_at, ${RAW_KEY[dimension]}, coalesce(a.disposition, ''), 1, (a.connected_at IS NOT NULL)::int, (a.outcome = 'live')::int,
              a.abandoned::int, (a.outcome = 'machine')::int, coalesce(extract(epoch FROM a.ended_at - a.connected_at), 0)
         FROM raw CROSS JOIN LATERAL (${ATTEMPTS_BETWEEN('raw.campaign_id', 'raw.lo', 'raw.hi')}) a
         ${dimension === 'list' ? 'JOIN leads l ON l.id = a.lead_id' : ''})
     SELECT ${PERIOD(at)},
            s.key, nullif(s.disposition, '') AS disposition,
            sum(s.dials)::int AS dials, sum(s.connects)::int AS connects, sum(s.live)::int AS live, sum(s.abandons)::int AS abandons,
            sum(s.machines)::int AS machines, sum(s.talk)::float8 AS talk,
            (sum(s.dials) FILTER (WHERE d.right_party))::int AS right_party, (sum(s.dials) FILTER (WHERE d.success))::int AS sales
       FROM sums s LEFT JOIN dispositions d ON d.code = s.disposition
      GROUP BY 1, 2, 3, 4`,
    [unit, r.timeZone, new Date(r.from), new Date(r.to), r.campaignId ?? null, new Date(first), new Date(last), dimension],
  );
  return rows.map((x) => ({ ...x, right_party: x.right_party ?? 0, sales: x.sales ?? 0 }));
}

/** Whether the zone is a whole number of quarter hours from UTC at both ends of the span (every zone today is). */
function quarterHourZone(timeZone: string, ...instants: EpochMs[]): boolean {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  return instants.every((at) => {
    const offset = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const match = /([+-]\d{2}):(\d{2})(?::(\d{2}))?$/.exec(offset);
    // "GMT" alone is UTC itself.
    return match === null ? offset === 'GMT' : Number(match[2]) % 15 === 0 && !match[3];
  });
}
