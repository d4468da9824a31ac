/**
 * The loops a review opens, tracked until closed (the documents' "closed
 * loop": a result that needs follow-up is dispatched and followed):
 * - a corrective callback for a sale that failed a critical criterion: its
 *   disposition corrected to invalid-sale and the customer called back, by
 *   the same agent or any (the campaign's QA plan); the corrective call is
 *   sampled as any call and held to the same rules, and its review closes
 *   the loop (passed: corrected);
 * - two confirmation calls before charging a trial product: each result
 *   moves the loop on (confirmed: the next call, or done), extends the trial
 *   and tries again (unreachable, suspended), or closes it (cancelled, wants
 *   to think: the cancellation method given).
 */
import { scheduleCallback } from '../campaigns/callbacks.js';
import { correctDisposition } from '../campaigns/disposition-correction.js';
import { AgentId, type AttemptId, LeadId } from '../domain/ids.js';
import { DAY, HOUR, type EpochMs } from '../domain/time.js';
import { audit } from '../storage/audit.js';
import type { Db, Queryable } from '../storage/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../storage/errors.js';
import { getSamplingPlan } from './review-queue.js';
import type { SamplingPlan } from './sampling-plan.js';

export interface QaLoop {
  readonly id: string;
  readonly kind: 'corrective-callback' | 'trial-confirmation';
  readonly attemptId: string;
  readonly leadId: string;
  readonly campaignId: string;
  readonly state: 'open' | 'closed';
  readonly stage: string;
  readonly step: number;
  readonly extensions: number;
  readonly callbackId: string | null;
  readonly trialEndsAt: string | null;
  readonly outcome: string | null;
  readonly history: ReadonlyArray<{ at: string; by: string; what: string }>;
  readonly openedAt: string;
  readonly closedAt: string | null;
}

const COLUMNS = `id, kind, attempt_id AS "attemptId", lead_id AS "leadId", campaign_id AS "campaignId", state, stage, step, extensions,
  callback_id AS "callbackId", trial_ends_at AS "trialEndsAt", outcome, history, opened_at AS "openedAt", closed_at AS "closedAt"`;

type Row = Omit<QaLoop, 'trialEndsAt' | 'openedAt' | 'closedAt'> & { trialEndsAt: Date | null; openedAt: Date; closedAt: Date | null };
const fromRow = (r: Row): QaLoop => ({ ...r, trialEndsAt: r.trialEndsAt?.toISOString() ?? null, openedAt: r.openedAt.toISOString(), closedAt: r.closedAt?.toISOString() ?? null });
const step = (by: string, what: string, now: EpochMs) => JSON.stringify([{ at: new Date(now).toISOString(), by, what }]);

/**
 * Corrects the failed sale to invalid-sale with a callback (or, when the plan
 * keeps dispositions, only schedules the callback); returns the callback's id.
 */
export async function correctiveCallback(db: Db, attemptId: AttemptId, agentId: string, plan: SamplingPlan, failed: readonly string[], actor: string, now: EpochMs): Promise<string> {
  const dueAt = now + plan.corrective.afterHours * HOUR;
  const callbackAgentId = plan.corrective.agent === 'same' ? AgentId(agentId) : null;
  const note = `QA corrective call: the sale failed ${failed.join(', ')}`;
  if (plan.corrective.correctDisposition) {
    await correctDisposition(db, attemptId, { code: 'invalid-sale', note, callbackAt: dueAt, callbackAgentId }, actor, now);
    const { rows } = await db.query<{ id: string }>(
      `SELECT c.id FROM callbacks c JOIN attempts a ON a.lead_id = c.lead_id WHERE a.id = $1::uuid AND c.state = 'scheduled' ORDER BY c.created_at DESC LIMIT 1`,
      [attemptId],
    );
    return rows[0]!.id;
  }
  const lead = await db.query<{ lead_id: string }>('SELECT lead_id FROM attempts WHERE id = $1::uuid', [attemptId]);
  return (await scheduleCallback(db, { leadId: LeadId(lead.rows[0]!.lead_id), dueAt, agentId: callbackAgentId, note }, actor)).id;
}

interface Opening {
  readonly attemptId: AttemptId;
  readonly reviewId: string;
  readonly plan: SamplingPlan;
  readonly actor: string;
  readonly now: EpochMs;
}

export async function openCorrectiveLoop(tx: Queryable, o: Opening & { failed: readonly string[]; callbackId: string }): Promise<QaLoop> {
  const stage = `corrective call scheduled${o.plan.corrective.agent === 'same' ? ' with the same agent' : ''}`;
  return insertLoop(tx, o, 'corrective-callback', stage, o.callbackId, `review failed ${o.failed.join(', ')}: disposition ${o.plan.corrective.correctDisposition ? 'corrected to invalid-sale, ' : ''}${stage}`);
}

/** A trial sale that passed review: the first confirmation call is scheduled. */
export async function openTrialLoop(tx: Queryable, o: Opening): Promise<QaLoop> {
  const lead = await leadOf(tx, o.attemptId);
  const callback = await scheduleCallback(tx, { leadId: lead, dueAt: o.now + o.plan.trial.firstAfterDays * DAY, note: 'trial confirmation call 1 of 2' }, o.actor);
  return insertLoop(tx, o, 'trial-confirmation', 'confirmation call 1 of 2 scheduled', callback.id, 'trial sale passed review: confirmation call 1 of 2 scheduled');
}

async function insertLoop(tx: Queryable, o: Opening, kind: QaLoop['kind'], stage: string, callbackId: string, what: string): Promise<QaLoop> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO qa_loops (kind, attempt_id, review_id, lead_id, campaign_id, stage, callback_id, history, opened_at)
     SELECT $1, a.id, $3, a.lead_id, a.campaign_id, $4, $5, $6::jsonb, $7 FROM attempts a WHERE a.id = $2::uuid RETURNING ${COLUMNS}`,
    [kind, o.attemptId, o.reviewId, stage, callbackId, step(o.actor, what, o.now), new Date(o.now)],
  );
  await audit(tx, { actor: o.actor, action: 'open-qa-loop', entity: 'qa-loop', entityId: rows[0]!.id, details: { kind, attemptId: o.attemptId } });
  return fromRow(rows[0]!);
}

/** A call reviewed on a lead with an open corrective loop, made after it opened: its review closes the loop. */
export async function closeLoopsReviewed(tx: Queryable, attemptId: AttemptId, passed: boolean, actor: string, now: EpochMs): Promise<QaLoop[]> {
  const outcome = passed ? 'corrected: the corrective call passed review' : 'the corrective call failed review';
  const { rows } = await tx.query<Row>(
    `WITH call AS (SELECT lead_id, originated_at FROM attempts WHERE id = $1::uuid)
     UPDATE qa_loops SET state = 'closed', closed_at = $3, outcome = $2, stage = $2, history = history || $4::jsonb
      WHERE lead_id = (SELECT lead_id FROM call) AND opened_at < (SELECT originated_at FROM call)
        AND kind = 'corrective-callback' AND state = 'open' AND attempt_id <> $1::uuid
     RETURNING ${COLUMNS}`,
    [attemptId, outcome, new Date(now), step(actor, `${outcome} (attempt ${attemptId})`, now)],
  );
  return rows.map(fromRow);
}

export const LOOP_RESULTS = {
  'trial-confirmation': ['confirmed', 'unreachable', 'suspended', 'wants-to-think', 'cancelled'],
  'corrective-callback': ['corrected', 'not-reached', 'refused'],
} as const;
export type LoopResult = (typeof LOOP_RESULTS)[keyof typeof LOOP_RESULTS][number];

/** What a confirmation or corrective call came to, as the agent or QA records it: the loop moves on, waits again, or closes. */
export async function recordLoopResult(db: Db, loopId: string, result: LoopResult, actor: string, now: EpochMs): Promise<QaLoop> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM qa_loops WHERE id = $1::uuid FOR UPDATE`, [loopId]);
    const loop = rows[0];
    if (!loop) throw new NotFoundError('QA loop', loopId);
    if (loop.state === 'closed') throw new ConflictError(`QA loop ${loopId} is closed: ${loop.outcome}`);
    if (!(LOOP_RESULTS[loop.kind] as readonly string[]).includes(result)) {
      throw new ValidationError('result', `a ${loop.kind} loop takes ${LOOP_RESULTS[loop.kind].join(', ')}`);
    }
    const plan = await getSamplingPlan(tx, loop.campaignId as never);
    const next = nextStage(loop, result, plan);
    if (loop.callbackId) await tx.query(`UPDATE callbacks SET state = 'done' WHERE id = $1 AND state = 'scheduled'`, [loop.callbackId]);
    const callbackId = next.callInDays === undefined ? null : (await scheduleCallback(tx, { leadId: LeadId(loop.leadId), dueAt: now + next.callInDays * DAY, note: next.stage }, actor)).id;
    const updated = await tx.query<Row>(
      `UPDATE qa_loops SET stage = $2, step = $3, extensions = $4, callback_id = coalesce($5, callback_id),
              trial_ends_at = CASE WHEN $6::int > 0 THEN coalesce(trial_ends_at, $8::timestamptz) + make_interval(days => $6::int) ELSE trial_ends_at END,
              state = CASE WHEN $7::text IS NULL THEN 'open' ELSE 'closed' END, outcome = $7, closed_at = CASE WHEN $7::text IS NULL THEN NULL ELSE $8::timestamptz END,
              history = history || $9::jsonb
        WHERE id = $1::uuid RETURNING ${COLUMNS}`,
      [loopId, next.stage, next.step, next.extensions, callbackId, next.extendDays, next.outcome ?? null, new Date(now), step(actor, `${result}: ${next.stage}`, now)],
    );
    await audit(tx, { actor, action: 'qa-loop-result', entity: 'qa-loop', entityId: loopId, details: { result, stage: next.stage } });
    return fromRow(updated.rows[0]!);
  });
}

interface NextStage {
  readonly stage: string;
  readonly step: number;
  readonly extensions: number;
  readonly extendDays: number;
  /** Set when the loop closes. */
  readonly outcome?: string;
  /** Set when another call is scheduled. */
  readonly callInDays?: number;
}

/** Where a result takes the loop: pure, so that every path is tested without storage. */
export function nextStage(loop: Pick<QaLoop, 'kind' | 'step' | 'extensions'>, result: LoopResult, plan: SamplingPlan): NextStage {
  const same = { step: loop.step, extensions: loop.extensions, extendDays: 0 };
  const close = (outcome: string): NextStage => ({ ...same, stage: outcome, outcome });
  if (loop.kind === 'corrective-callback') {
    if (result === 'corrected') return close('corrected on the corrective call');
    if (result === 'refused') return close('the customer refused the correction');
    return { ...same, stage: 'corrective call not reached: called again', callInDays: plan.corrective.afterHours / 24 };
  }
  const { trial } = plan;
  switch (result) {
    case 'confirmed':
      if (loop.step >= 2) return close('confirmed twice: the trial may be charged');
      return { ...same, step: 2, stage: 'confirmation call 2 of 2 scheduled', callInDays: trial.secondAfterDays };
    case 'unreachable':
    case 'suspended':
      if (loop.extensions >= trial.maxExtensions) return close(`not confirmed after ${loop.extensions} extensions: not to be charged`);
      return {
        step: loop.step,
        extensions: loop.extensions + 1,
        extendDays: trial.extendDays,
        stage: `${result}: trial extended ${trial.extendDays} days (extension ${loop.extensions + 1} of ${trial.maxExtensions}), confirmation call ${loop.step} of 2 scheduled again`,
        callInDays: trial.extendDays,
      };
    case 'wants-to-think':
      return close('wants to think: the cancellation method was given; not charged until confirmed');
    default:
      return close('cancelled by the customer: not to be charged');
  }
}

export async function listLoops(db: Queryable, f: { campaignId?: string | undefined; state?: 'open' | 'closed' | undefined; attemptId?: string | undefined }): Promise<QaLoop[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM qa_loops WHERE ($1::uuid IS NULL OR campaign_id = $1::uuid) AND ($2::text IS NULL OR state = $2)
        AND ($3::uuid IS NULL OR lead_id = (SELECT lead_id FROM attempts WHERE id = $3::uuid)) ORDER BY opened_at DESC LIMIT 1000`,
    [f.campaignId ?? null, f.state ?? null, f.attemptId ?? null],
  );
  return rows.map(fromRow);
}

async function leadOf(db: Queryable, attemptId: AttemptId): Promise<LeadId> {
  const { rows } = await db.query<{ lead_id: string }>('SELECT lead_id FROM attempts WHERE id = $1::uuid', [attemptId]);
  if (!rows[0]) throw new NotFoundError('attempt', attemptId);
  return LeadId(rows[0].lead_id);
}
