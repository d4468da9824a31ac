/**
 * The review queue in storage: a campaign's sampling plan, the draws that
 * fill the queue from the calls of a day or a week, and the queue as
 * inspectors see it. The draw itself is sampling.ts (pure); this module reads
 * the calls and writes what it picked.
 */
import type { CampaignId } from '../domain/ids.js';
import { DAY } from '../domain/time.js';
import { audit } from '../storage/audit.js';
import type { Db, Queryable } from '../storage/db.js';
import { NotFoundError } from '../storage/errors.js';
import { drawSample, type SampleCall, type SamplePeriod, type SampledCall } from './sampling.js';
import { DEFAULT_SAMPLING_PLAN, type SamplingPlan, samplingPlanSchema } from './sampling-plan.js';

export async function getSamplingPlan(db: Queryable, campaignId: CampaignId): Promise<SamplingPlan> {
  await campaignExists(db, campaignId);
  const { rows } = await db.query<{ plan: unknown }>('SELECT plan FROM qa_plans WHERE campaign_id = $1::uuid', [campaignId]);
  return rows[0] ? samplingPlanSchema.parse(rows[0].plan) : DEFAULT_SAMPLING_PLAN;
}

export async function saveSamplingPlan(db: Queryable, campaignId: CampaignId, plan: SamplingPlan, actor: string): Promise<void> {
  await campaignExists(db, campaignId);
  await db.query(
    `INSERT INTO qa_plans (campaign_id, plan, updated_by) VALUES ($1, $2::jsonb, $3)
     ON CONFLICT (campaign_id) DO UPDATE SET plan = EXCLUDED.plan, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [campaignId, JSON.stringify(plan), actor],
  );
  await audit(db, { actor, action: 'set-sampling-plan', entity: 'campaign', entityId: campaignId, details: { plan } });
}

async function campaignExists(db: Queryable, campaignId: CampaignId): Promise<void> {
  if ((await db.query('SELECT 1 FROM campaigns WHERE id = $1::uuid', [campaignId])).rows.length === 0) throw new NotFoundError('campaign', campaignId);
}

export interface DrawResult {
  readonly draw: string;
  readonly calls: number;
  /** Calls this draw added to the queue (a draw run again adds nothing new). */
  readonly added: number;
  readonly sampled: readonly SampledCall[];
}

/** Draws the day's or the week's sample of the campaign's connected calls into the review queue. */
export async function drawIntoQueue(db: Db, campaignId: CampaignId, period: SamplePeriod, actor: string): Promise<DrawResult> {
  const plan = await getSamplingPlan(db, campaignId);
  const draw = `${period.kind}:${period.start}`;
  const days = period.kind === 'day' ? 1 : 7;
  const { rows } = await db.query<SampleCall & { sampled_by_other: boolean }>(
    `SELECT a.id AS "attemptId", a.agent_id AS "agentId", a.disposition, a.disposition = 'valid-sale' AS "validSale",
            to_char(a.connected_at AT TIME ZONE $2, 'YYYY-MM-DD') AS day, extract(hour FROM a.connected_at AT TIME ZONE $2)::int AS hour,
            (q.attempt_id IS NOT NULL AND q.draw <> $5) AS sampled_by_other,
            EXISTS (SELECT 1 FROM qa_loops l WHERE l.lead_id = a.lead_id AND l.kind = 'corrective-callback' AND l.state = 'open'
                     AND l.opened_at < a.originated_at) AS corrective
       FROM attempts a LEFT JOIN review_queue q ON q.attempt_id = a.id
      WHERE a.campaign_id = $1::uuid AND a.agent_id IS NOT NULL AND a.ended_at IS NOT NULL
        AND a.connected_at >= ($3::date::timestamp AT TIME ZONE $2) AND a.connected_at < (($3::date + $4::int)::timestamp AT TIME ZONE $2)`,
    [campaignId, plan.timeZone, period.start, days, draw],
  );
  const newAgents = await agentsNewSince(db, [...new Set(rows.map((r) => r.agentId))], Date.parse(`${period.start}T00:00:00Z`) - plan.newAgents.days * DAY);
  const sampled = drawSample({
    plan,
    seed: campaignId,
    period,
    calls: rows,
    alreadySampled: new Set(rows.filter((r) => r.sampled_by_other).map((r) => r.attemptId)),
    newAgents,
  });
  const inserted = await db.query(
    `INSERT INTO review_queue (attempt_id, campaign_id, agent_id, draw, rules, reasons)
     SELECT s.attempt_id, $1::uuid, s.agent_id, $2, ARRAY(SELECT jsonb_array_elements_text(s.rules)), ARRAY(SELECT jsonb_array_elements_text(s.reasons))
       FROM jsonb_to_recordset($3::jsonb) AS s(attempt_id uuid, agent_id text, rules jsonb, reasons jsonb)
     ON CONFLICT (attempt_id) DO NOTHING`,
    [campaignId, draw, JSON.stringify(sampled.map((s) => ({ attempt_id: s.attemptId, agent_id: s.agentId, rules: s.rules, reasons: s.reasons })))],
  );
  // A draw that adds nothing (the hourly draw of a period already drawn) leaves no row.
  if (inserted.rowCount) await audit(db, { actor, action: 'draw-sample', entity: 'campaign', entityId: campaignId, details: { draw, calls: rows.length, sampled: sampled.length, added: inserted.rowCount } });
  return { draw, calls: rows.length, added: inserted.rowCount ?? 0, sampled };
}

/** Agents whose first connected call (in any campaign) is after `since`. */
async function agentsNewSince(db: Queryable, agentIds: readonly string[], since: number): Promise<Set<string>> {
  if (agentIds.length === 0) return new Set();
  const { rows } = await db.query<{ agent_id: string }>(
    `SELECT agent_id FROM attempts WHERE agent_id = ANY($1::text[]) GROUP BY agent_id HAVING min(connected_at) >= $2`,
    [agentIds, new Date(since)],
  );
  return new Set(rows.map((r) => r.agent_id));
}

export interface QueuedCall {
  readonly attemptId: string;
  readonly campaignId: string;
  readonly agentId: string;
  readonly draw: string;
  readonly reasons: readonly string[];
  readonly state: 'waiting' | 'claimed' | 'reviewed';
  readonly claimedBy: string | null;
  readonly connectedAt: string;
  readonly disposition: string | null;
  readonly phone: string;
}

export async function listQueue(
  db: Queryable,
  f: { campaignId?: string | undefined; state?: QueuedCall['state'] | undefined; agentId?: string | undefined; limit?: number | undefined },
): Promise<QueuedCall[]> {
  const { rows } = await db.query<QueuedCall & { connectedAt: Date }>(
    `SELECT q.attempt_id AS "attemptId", q.campaign_id AS "campaignId", q.agent_id AS "agentId", q.draw, q.reasons, q.state,
            q.claimed_by AS "claimedBy", a.connected_at AS "connectedAt", a.disposition, a.phone
       FROM review_queue q JOIN attempts a ON a.id = q.attempt_id
      WHERE ($1::uuid IS NULL OR q.campaign_id = $1::uuid) AND ($2::text IS NULL OR q.state = $2) AND ($3::text IS NULL OR q.agent_id = $3)
      ORDER BY a.connected_at LIMIT $4`,
    [f.campaignId ?? null, f.state ?? null, f.agentId ?? null, f.limit ?? 500],
  );
  return rows.map((r) => ({ ...r, connectedAt: r.connectedAt.toISOString() }));
}

/** The day (YYYY-MM-DD) `at` falls on in `zone`. */
function localDay(at: number, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * Draws the campaign's day just ended and week just ended (in its plan's time
 * zone) into the queue: complete periods only, so that drawing them again
 * each hour adds nothing; a day's calls are in the queue the morning after,
 * inside the documents' 24 hours for feedback.
 */
export async function drawEndedPeriods(db: Db, campaignId: CampaignId, now: number): Promise<DrawResult[]> {
  const plan = await getSamplingPlan(db, campaignId);
  const today = localDay(now, plan.timeZone);
  const todayUtc = Date.parse(`${today}T00:00:00Z`);
  const weekday = (new Date(todayUtc).getUTCDay() + 6) % 7;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return [
    await drawIntoQueue(db, campaignId, { kind: 'day', start: day(todayUtc - DAY) }, 'system'),
    await drawIntoQueue(db, campaignId, { kind: 'week', start: day(todayUtc - (weekday + 7) * DAY) }, 'system'),
  ];
}
