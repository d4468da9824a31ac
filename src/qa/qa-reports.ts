/**
 * QA reports: per agent and week, the calls monitored against the plan's
 * minimum, the average score, failures by criterion and the time from call to
 * feedback (the documents ask for feedback within 24 hours); per campaign,
 * the share of calls sampled and reviewed, the pass rate and the loops still
 * open. Weeks start on Monday, UTC.
 */
import { stringify } from 'csv-stringify/sync';
import type { Queryable } from '../storage/db.js';
import { DEFAULT_SAMPLING_PLAN } from './sampling-plan.js';

export interface ReportRange {
  /** Calls from this day (YYYY-MM-DD, UTC), inclusive; to the next day of `to`, exclusive. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly campaignId?: string | undefined;
  readonly agentId?: string | undefined;
}

export interface AgentWeek {
  readonly agentId: string;
  readonly week: string;
  readonly callsMade: number;
  readonly monitored: number;
  /** The plan's weekly minimum per agent (the campaign's, or the documents' 3 over several campaigns). */
  readonly minimum: number;
  readonly belowMinimum: boolean;
  readonly averageScore: number | null;
  readonly passRate: number | null;
  /** How often each criterion failed: a pass-fail checkpoint answered no. */
  readonly failures: Readonly<Record<string, number>>;
  readonly feedbackHours: number | null;
  readonly feedbackWithin24h: number | null;
}

const FILTERS = `($1::date IS NULL OR a.connected_at >= $1::date) AND ($2::date IS NULL OR a.connected_at < $2::date + 1)
  AND ($3::uuid IS NULL OR a.campaign_id = $3::uuid) AND ($4::text IS NULL OR a.agent_id = $4)`;

export async function agentWeeks(db: Queryable, range: ReportRange): Promise<AgentWeek[]> {
  const { rows } = await db.query<Omit<AgentWeek, 'minimum' | 'belowMinimum'> & { week: Date; plan_minimum: number | null }>(
    `WITH calls AS (
       SELECT a.agent_id, date_trunc('week', a.connected_at AT TIME ZONE 'UTC')::date AS week, count(*)::int AS made
         FROM attempts a WHERE a.agent_id IS NOT NULL AND a.connected_at IS NOT NULL AND ${FILTERS} GROUP BY 1, 2),
     reviewed AS (
       SELECT r.agent_id, date_trunc('week', a.connected_at AT TIME ZONE 'UTC')::date AS week, r.score, r.passed, r.answers,
              extract(epoch FROM r.submitted_at - coalesce(a.ended_at, a.connected_at)) / 3600 AS hours
         FROM reviews r JOIN attempts a ON a.id = r.attempt_id WHERE ${FILTERS})
     SELECT c.agent_id AS "agentId", c.week, c.made AS "callsMade", count(v.score)::int AS monitored,
            avg(v.score) AS "averageScore", avg(v.passed::int)::float8 AS "passRate",
            avg(v.hours)::float8 AS "feedbackHours", avg((v.hours <= 24)::int)::float8 AS "feedbackWithin24h",
            coalesce((SELECT jsonb_object_agg(f.key, f.n) FROM (
               SELECT e.key, count(*)::int AS n FROM reviewed x, jsonb_each(x.answers) e
                WHERE x.agent_id = c.agent_id AND x.week = c.week AND e.value = 'false'::jsonb GROUP BY e.key) f), '{}') AS failures,
            (SELECT (p.plan->>'minPerAgentPerWeek')::int FROM qa_plans p WHERE p.campaign_id = $3::uuid) AS plan_minimum
       FROM calls c LEFT JOIN reviewed v ON v.agent_id = c.agent_id AND v.week = c.week
      GROUP BY c.agent_id, c.week, c.made ORDER BY c.week, c.agent_id`,
    [range.from ?? null, range.to ?? null, range.campaignId ?? null, range.agentId ?? null],
  );
  return rows.map(({ plan_minimum, week, ...r }) => {
    const minimum = plan_minimum ?? DEFAULT_SAMPLING_PLAN.minPerAgentPerWeek;
    return { ...r, week: week.toISOString().slice(0, 10), minimum, belowMinimum: r.monitored < Math.min(minimum, r.callsMade) };
  });
}

export interface CampaignQa {
  readonly campaignId: string;
  readonly campaign: string;
  readonly connectedCalls: number;
  readonly sampled: number;
  readonly sampledShare: number | null;
  readonly reviewed: number;
  readonly passRate: number | null;
  readonly openLoops: number;
  readonly closedLoops: number;
}

export async function campaignQa(db: Queryable, range: ReportRange): Promise<CampaignQa[]> {
  const { rows } = await db.query<CampaignQa>(
    `SELECT c.id AS "campaignId", c.name AS campaign, count(a.id)::int AS "connectedCalls", count(q.attempt_id)::int AS sampled,
            (count(q.attempt_id)::float8 / nullif(count(a.id), 0)) AS "sampledShare", count(r.id)::int AS reviewed, avg(r.passed::int)::float8 AS "passRate",
            (SELECT count(*)::int FROM qa_loops l WHERE l.campaign_id = c.id AND l.state = 'open') AS "openLoops",
            (SELECT count(*)::int FROM qa_loops l WHERE l.campaign_id = c.id AND l.state = 'closed') AS "closedLoops"
       FROM campaigns c
       JOIN attempts a ON a.campaign_id = c.id AND a.agent_id IS NOT NULL AND a.connected_at IS NOT NULL AND ${FILTERS}
       LEFT JOIN review_queue q ON q.attempt_id = a.id
       LEFT JOIN LATERAL (SELECT id, passed FROM reviews WHERE attempt_id = a.id ORDER BY submitted_at DESC LIMIT 1) r ON true
      GROUP BY c.id, c.name ORDER BY c.name`,
    [range.from ?? null, range.to ?? null, range.campaignId ?? null, range.agentId ?? null],
  );
  return rows;
}

/** Rows as a CSV file with a header line; objects (failures by criterion) as `key=n; key=n`. */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): string {
  const cell = (value: unknown) =>
    value === null || value === undefined ? '' : typeof value === 'object' ? Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join('; ') : value;
  return stringify(rows.map((row) => columns.map((c) => cell(row[c]))), { header: true, columns: [...columns], cast: { boolean: (b) => String(b) } });
}

export const AGENT_WEEK_COLUMNS = ['agentId', 'week', 'callsMade', 'monitored', 'minimum', 'belowMinimum', 'averageScore', 'passRate', 'failures', 'feedbackHours', 'feedbackWithin24h'] as const;
export const CAMPAIGN_QA_COLUMNS = ['campaignId', 'campaign', 'connectedCalls', 'sampled', 'sampledShare', 'reviewed', 'passRate', 'openLoops', 'closedLoops'] as const;
