/**
 * The loops a review opens, tracked until closed (the documents' "closed
 * loop": a result that needs follow-up is dispatched and followed):
 * - a corrective callback for a sale that failed a critical criterion: its
 *   disposition corrected to invalid-sale and the customer called back, by
 *   the same agent or any (the campaign's QA plan); the corrective call is
 *   sampled as any call and held to the same rules, and its review closes
 *   the loop (passed: corrected);
 * - two confirmation calls before charging a trial product, scheduled when
 *   the agent dispositions the sale (disposition-follow-up.ts); a failed
 *   review of the sale closes the loop. Each result moves the loop on
 *   (confirmed: the next call, or done), extends the trial and tries again
 *   (unreachable, suspended), or closes it (cancelled, wants to think: the
 *   cancellation method given).
 * A result comes from the disposition of the loop's own call, or by hand.
 */
import { scheduleCallback } from '../campaigns/callbacks.js';
import { type AttemptId, LeadId } from '../domain/ids.js';
import { DAY, type EpochMs } from '../domain/time.js';
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
  /** When the loop's next call is due, while it waits for one. */
  readonly nextCallAt: string | null;
  readonly outcome: string | null;
  readonly history: ReadonlyArray<{ at: string; by: string; what: string }>;
  readonly openedAt: string;
  readonly closedAt: string | null;
  /** The results this loop takes, for a form that records one by hand. */
  readonly results: readonly LoopResult[];
}

const COLUMNS = `id, kind, attempt_id AS "attemptId", lead_id AS "leadId", campaign_id AS "campaignId", state, stage, step, extensions,
  callback_id AS "callbackId", trial_ends_at AS "trialEndsAt", outcome, history, opened_at AS "openedAt", closed_at AS "closedAt",
  CASE WHEN state = 'open' THEN (SELECT cb.due_at FROM callbacks cb WHERE cb.id = callback_id AND cb.state = 'scheduled') END AS "nextCallAt"`;

type Row = Omit<QaLoop, 'trialEndsAt' | 'nextCallAt' | 'openedAt' | 'closedAt' | 'results'> & { trialEndsAt: Date | null; nextCallAt: Date | null; openedAt: Date; closedAt: Date | null };
const fromRow = (r: Row): QaLoop => ({
  ...r,
  trialEndsAt: r.trialEndsAt?.toISOString() ?? null,
  nextCallAt: r.nextCallAt?.toISOString() ?? null,
  openedAt: r.openedAt.toISOString(),
  closedAt: r.closedAt?.toISOString() ?? null,
  results: LOOP_RESULTS[r.kind],
});
const step = (by: string, what: string, now: EpochMs) => JSON.stringify([{ at: new Date(now).toISOString(), by, what }]);

interface Opening {
  readonly attemptId: AttemptId;
  /** The review that opened the loop; null for a trial loop its sale's disposition opened. */
  readonly reviewId: string | null;
  readonly plan: SamplingPlan;
  readonly actor: string;
  readonly now: EpochMs;
}

export async function openCorrectiveLoop(tx: Queryable, o: Opening & { failed: readonly string[]; callbackId: string }): Promise<QaLoop> {
  const stage = `corrective call scheduled${o.plan.corrective.agent === 'same' ? ' with the same agent' : ''}`;
  return insertLoop(tx, o, 'corrective-callback', stage, o.callbackId, `review failed ${o.failed.join(', ')}: disposition ${o.plan.corrective.correctDisposition ? 'corrected to invalid-sale, ' : ''}${stage}`);
}

/** A trial sale, as dispositioned (or, sold before its loop opened at the disposition, as reviewed): the first confirmation call is scheduled. */
export async function openTrialLoop(tx: Queryable, o: Opening): Promise<QaLoop> {
  const lead = await leadOf(tx, o.attemptId);
  const callback = await scheduleCallback(tx, { leadId: lead, dueAt: o.now + o.plan.trial.firstAfterDays * DAY, note: 'trial confirmation call 1 of 2' }, o.actor);
  const why = o.reviewId === null ? 'trial sale dispositioned' : 'trial sale passed review';
  return insertLoop(tx, o, 'trial-confirmation', 'confirmation call 1 of 2 scheduled', callback.id, `${why}: confirmation call 1 of 2 scheduled`);
}

/** The open trial loops a sale opened, or none: a review finds the one its sale's disposition opened. */
export async function trialLoopsOf(tx: Queryable, attemptId: AttemptId): Promise<QaLoop[]> {
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM qa_loops WHERE attempt_id = $1::uuid AND kind = 'trial-confirmation' ORDER BY opened_at`, [attemptId]);
  return rows.map(fromRow);
}

/** Writes a step in the loop's history without moving it (a review that confirms the sale, a call that brought no result). */
export async function noteOnLoop(tx: Queryable, loopId: string, actor: string, what: string, now: EpochMs): Promise<QaLoop> {
  const { rows } = await tx.query<Row>(`UPDATE qa_loops SET history = history || $2::jsonb WHERE id = $1::uuid RETURNING ${COLUMNS}`, [loopId, step(actor, what, now)]);
  return fromRow(rows[0]!);
}

/** A sale that failed review is not charged: its open trial loops close, their confirmation calls cancelled. */
export async function closeTrialLoops(tx: Queryable, attemptId: AttemptId, outcome: string, actor: string, now: EpochMs): Promise<QaLoop[]> {
  const { rows } = await tx.query<Row>(
    `UPDATE qa_loops SET state = 'closed', closed_at = $3, outcome = $2, stage = $2, history = history || $4::jsonb
      WHERE attempt_id = $1::uuid AND kind = 'trial-confirmation' AND state = 'open' RETURNING ${COLUMNS}`,
    [attemptId, outcome, new Date(now), step(actor, outcome, now)],
  );
  const callbacks = rows.map((r) => r.callbackId).filter((id) => id !== null);
  if (callbacks.length > 0) await tx.query(`UPDATE callbacks SET state = 'cancelled' WHERE id = ANY($1::uuid[]) AND state = 'scheduled'`, [callbacks]);
  return rows.map(fromRow);
}

/**
 * The open loops whose call this attempt is: a later call to the loop's
 * lead, made once the loop's callback was due (the hopper dials no earlier),
 * locked for the result its disposition brings.
 */
export async function loopsCalledBy(tx: Queryable, attemptId: AttemptId): Promise<QaLoop[]> {
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM qa_loops WHERE id IN (
       SELECT q.id FROM qa_loops q JOIN attempts a ON a.id = $1::uuid AND a.lead_id = q.lead_id LEFT JOIN callbacks cb ON cb.id = q.callback_id
        WHERE q.state = 'open' AND q.attempt_id <> a.id AND a.originated_at >= q.opened_at AND (cb.id IS NULL OR cb.due_at <= a.originated_at))
     ORDER BY opened_at FOR UPDATE`,
    [attemptId],
  );
  return rows.map(fromRow);
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

/** What a confirmation or corrective call came to, recorded by hand (QA, a supervisor): the loop moves on, waits again, or closes. */
export async function recordLoopResult(db: Db, loopId: string, result: LoopResult, actor: string, now: EpochMs): Promise<QaLoop> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM qa_loops WHERE id = $1::uuid FOR UPDATE`, [loopId]);
    const loop = rows[0];
    if (!loop) throw new NotFoundError('QA loop', loopId);
    if (loop.state === 'closed') throw new ConflictError(`QA loop ${loopId} is closed: ${loop.outcome}`);
    if (!(LOOP_RESULTS[loop.kind] as readonly string[]).includes(result)) {
      throw new ValidationError('result', `a ${loop.kind} loop takes ${LOOP_RESULTS[loop.kind].join(', ')}`);
    }
    return advanceLoop(tx, fromRow(loop), result, await getSamplingPlan(tx, loop.campaignId as never), actor, result, now);
  });
}

/**
 * Moves an open loop, locked by the caller, on by a result it takes: its
 * current call is done, the next scheduled, or the loop closed. `what` is
 * how the history tells where the result came from.
 */
export async function advanceLoop(tx: Queryable, loop: QaLoop, result: LoopResult, plan: SamplingPlan, actor: string, what: string, now: EpochMs): Promise<QaLoop> {
  let next = nextStage(loop, result, plan);
  if (loop.callbackId) await tx.query(`UPDATE callbacks SET state = 'done' WHERE id = $1 AND state = 'scheduled'`, [loop.callbackId]);
  if (next.callInDays !== undefined && (await leadState(tx, loop.leadId)) === 'do-not-call') {
    // The customer may not be called again (an opt-out on this very call, say): nothing to wait for.
    const outcome = 'the number is on the do-not-call list: no further call; not to be charged';
    next = { ...next, stage: outcome, outcome, callInDays: undefined, extendDays: 0 };
  }
  const callbackId = next.callInDays === undefined ? null : (await scheduleCallback(tx, { leadId: LeadId(loop.leadId), dueAt: now + next.callInDays * DAY, note: next.stage }, actor)).id;
  const updated = await tx.query<Row>(
    `UPDATE qa_loops SET stage = $2, step = $3, extensions = $4, callback_id = coalesce($5, callback_id),
            trial_ends_at = CASE WHEN $6::int > 0 THEN coalesce(trial_ends_at, $8::timestamptz) + make_interval(days => $6::int) ELSE trial_ends_at END,
            state = CASE WHEN $7::text IS NULL THEN 'open' ELSE 'closed' END, outcome = $7, closed_at = CASE WHEN $7::text IS NULL THEN NULL ELSE $8::timestamptz END,
            history = history || $9::jsonb
      WHERE id = $1::uuid RETURNING ${COLUMNS}`,
    [loop.id, next.stage, next.step, next.extensions, callbackId, next.extendDays, next.outcome ?? null, new Date(now), step(actor, `${what}: ${next.stage}`, now)],
  );
  await audit(tx, { actor, action: 'qa-loop-result', entity: 'qa-loop', entityId: loop.id, details: { result, stage: next.stage } });
  return fromRow(updated.rows[0]!);
}

interface NextStage {
  readonly stage: string;
  readonly step: number;
  readonly extensions: number;
  readonly extendDays: number;
  /** Set when the loop closes. */
  readonly outcome?: string;
  /** Set when another call is scheduled. */
  readonly callInDays?: number | undefined;
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

async function leadState(db: Queryable, leadId: string): Promise<string | undefined> {
  return (await db.query<{ state: string }>('SELECT state FROM leads WHERE id = $1::uuid', [leadId])).rows[0]?.state;
}

async function leadOf(db: Queryable, attemptId: AttemptId): Promise<LeadId> {
  const { rows } = await db.query<{ lead_id: string }>('SELECT lead_id FROM attempts WHERE id = $1::uuid', [attemptId]);
  if (!rows[0]) throw new NotFoundError('attempt', attemptId);
  return LeadId(rows[0].lead_id);
}
