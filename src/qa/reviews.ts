/**
 * Reviews in storage: scorecards, an inspector's claim on a sampled call (one
 * inspector a call), and the submitted review, stored with the attempt. A
 * sale failing a critical criterion opens a corrective loop and closes its
 * trial confirmations (which its disposition opened), a passing one confirms
 * them (qa-loops.ts).
 */
import { scheduleCallback } from '../campaigns/callbacks.js';
import { correctDisposition } from '../campaigns/disposition-correction.js';
import { AgentId, type AttemptId, type CampaignId, LeadId } from '../domain/ids.js';
import { HOUR, type EpochMs } from '../domain/time.js';
import { audit } from '../storage/audit.js';
import type { Db, Queryable } from '../storage/db.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';
import { closeLoopsReviewed, closeTrialLoops, noteOnLoop, openCorrectiveLoop, openTrialLoop, trialLoopsOf, type QaLoop } from './qa-loops.js';
import { getSamplingPlan } from './review-queue.js';
import type { SamplingPlan } from './sampling-plan.js';
import { type Answers, type Scorecard, scorecardSchema, scoreReview, VALID_SALE_SCORECARD } from './scorecard.js';

/** A claim not followed by a review within this lapses: another inspector may take the call. */
export const CLAIM_LAPSES_AFTER_MS = 2 * HOUR;

export interface StoredScorecard {
  readonly id: string;
  readonly campaignId: string | null;
  readonly card: Scorecard;
}

/** The stock valid-sale card, made at its first use. */
export async function stockScorecard(db: Queryable): Promise<StoredScorecard> {
  const find = () =>
    db.query<{ id: string }>(`SELECT id FROM scorecards WHERE campaign_id IS NULL AND name = $1 AND retired_at IS NULL ORDER BY created_at LIMIT 1`, [
      VALID_SALE_SCORECARD.name,
    ]);
  let row = (await find()).rows[0];
  if (!row) {
    row = (await db.query<{ id: string }>(`INSERT INTO scorecards (name, card, created_by) VALUES ($1, $2::jsonb, 'system') RETURNING id`, [VALID_SALE_SCORECARD.name, JSON.stringify(VALID_SALE_SCORECARD)])).rows[0]!;
  }
  return { id: row.id, campaignId: null, card: VALID_SALE_SCORECARD };
}

export async function createScorecard(db: Queryable, campaignId: CampaignId, card: Scorecard, actor: string): Promise<StoredScorecard> {
  const { rows } = await db.query<{ id: string }>(`INSERT INTO scorecards (campaign_id, name, card, created_by) SELECT id, $2, $3::jsonb, $4 FROM campaigns WHERE id = $1::uuid RETURNING id`, [
    campaignId,
    card.name,
    JSON.stringify(card),
    actor,
  ]);
  if (!rows[0]) throw new NotFoundError('campaign', campaignId);
  await audit(db, { actor, action: 'create-scorecard', entity: 'scorecard', entityId: rows[0].id, details: { campaignId, name: card.name } });
  return { id: rows[0].id, campaignId, card };
}

/** The cards a campaign's calls may be scored on: its own, then the stock ones. */
export async function scorecardsFor(db: Queryable, campaignId: CampaignId): Promise<StoredScorecard[]> {
  await stockScorecard(db);
  const { rows } = await db.query<{ id: string; campaign_id: string | null; card: unknown }>(
    `SELECT id, campaign_id, card FROM scorecards WHERE (campaign_id = $1::uuid OR campaign_id IS NULL) AND retired_at IS NULL ORDER BY campaign_id NULLS LAST, created_at`,
    [campaignId],
  );
  return rows.map((r) => ({ id: r.id, campaignId: r.campaign_id, card: scorecardSchema.parse(r.card) }));
}

/** Takes a sampled call for `inspector`; refused while another holds it (until the claim lapses), or once reviewed. */
export async function claimCall(db: Queryable, attemptId: AttemptId, inspector: string, now: EpochMs): Promise<void> {
  const { rows } = await db.query(
    `UPDATE review_queue SET state = 'claimed', claimed_by = $2, claimed_at = $3
      WHERE attempt_id = $1::uuid AND (state = 'waiting' OR (state = 'claimed' AND (claimed_by = $2 OR claimed_at < $4))) RETURNING attempt_id`,
    [attemptId, inspector, new Date(now), new Date(now - CLAIM_LAPSES_AFTER_MS)],
  );
  if (rows.length > 0) return;
  const held = await db.query<{ state: string; claimed_by: string | null; claimed_at: Date | null }>('SELECT state, claimed_by, claimed_at FROM review_queue WHERE attempt_id = $1::uuid', [attemptId]);
  const row = held.rows[0];
  if (!row) throw new NotFoundError('sampled call', attemptId);
  if (row.state === 'reviewed') throw new ConflictError(`call ${attemptId} is reviewed already`);
  throw new ConflictError(`call ${attemptId} is claimed by ${row.claimed_by} since ${row.claimed_at?.toISOString()}: two inspectors cannot review one call`);
}

export async function releaseCall(db: Queryable, attemptId: AttemptId, inspector: string): Promise<void> {
  const { rowCount } = await db.query(`UPDATE review_queue SET state = 'waiting', claimed_by = NULL, claimed_at = NULL WHERE attempt_id = $1::uuid AND state = 'claimed' AND claimed_by = $2`, [attemptId, inspector]);
  if (rowCount === 0) throw new ConflictError(`call ${attemptId} is not claimed by ${inspector}`);
}

export interface ReviewComment {
  /** Where in the recording, in milliseconds from its start. */
  readonly atMs: number;
  readonly leg?: 'customer' | 'agent' | 'mixed' | undefined;
  readonly text: string;
}

export interface NewReview {
  readonly attemptId: AttemptId;
  readonly scorecardId: string;
  readonly inspector: string;
  readonly answers: Answers;
  readonly comments: readonly ReviewComment[];
}

export interface SubmittedReview {
  readonly id: string;
  readonly score: number;
  readonly passed: boolean;
  readonly failedCritical: readonly string[];
  /** Loops this review opened (a corrective callback, trial confirmations) or closed. */
  readonly loops: readonly QaLoop[];
}

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


/**
 * Stores the review of a call the inspector holds. A sale that failed a
 * critical criterion is corrected and called back (the campaign's QA plan
 * says by whom and when), and a trial product's confirmation calls, opened
 * at its disposition, are cancelled: it is not to be charged. A passing
 * trial sale's loop notes the review (or opens, for a sale dispositioned
 * before its loop was opened at the disposition); a review of a corrective
 * call closes its loop.
 */
export async function submitReview(db: Db, r: NewReview, now: EpochMs): Promise<SubmittedReview> {
  const { rows } = await db.query<{ state: string; claimed_by: string | null; campaign_id: CampaignId; agent_id: string; disposition: string | null; lead_id: string; trial: unknown }>(
    `SELECT q.state, q.claimed_by, a.campaign_id, a.agent_id, a.disposition, a.lead_id, l.custom_fields AS trial
       FROM review_queue q JOIN attempts a ON a.id = q.attempt_id JOIN leads l ON l.id = a.lead_id WHERE q.attempt_id = $1::uuid`,
    [r.attemptId],
  );
  const call = rows[0];
  if (!call) throw new NotFoundError('sampled call', r.attemptId);
  if (call.state !== 'claimed' || call.claimed_by !== r.inspector) {
    throw new ConflictError(call.state === 'reviewed' ? `call ${r.attemptId} is reviewed already` : `claim call ${r.attemptId} before reviewing it${call.claimed_by ? ` (${call.claimed_by} holds it)` : ''}`);
  }
  const card = (await scorecardsFor(db, call.campaign_id)).find((c) => c.id === r.scorecardId);
  if (!card) throw new NotFoundError(`scorecard of campaign ${call.campaign_id}`, r.scorecardId);
  const scored = scoreReview(card.card, r.answers);
  const plan = await getSamplingPlan(db, call.campaign_id);
  const sale = call.disposition !== null && plan.corrective.saleDispositions.includes(call.disposition);
  const failedLabels = scored.failedCritical.map((id) => card.card.criteria.find((c) => c.id === id)!.label);
  // Through the supervisors' correction, in its own transaction: the lead follows it, and its audit row says who and why.
  const failedSale = sale && failedLabels.length > 0;
  // Before the correction, which would close them too: the trial's confirmations end for the reason the review gives.
  const closedTrials = failedSale ? await db.transaction((tx) => closeTrialLoops(tx, r.attemptId, `the sale failed review (${failedLabels.join(', ')}): not to be charged`, r.inspector, now)) : [];
  const corrective = failedSale ? await correctiveCallback(db, r.attemptId, call.agent_id, plan, failedLabels, r.inspector, now) : undefined;
  return db.transaction(async (tx) => {
    const review = await tx.query<{ id: string }>(
      `INSERT INTO reviews (attempt_id, campaign_id, agent_id, scorecard_id, inspector, answers, comments, score, passed, failed_critical, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10::text[], $11) RETURNING id`,
      [r.attemptId, call.campaign_id, call.agent_id, card.id, r.inspector, JSON.stringify(r.answers), JSON.stringify(r.comments), scored.score, scored.passed, scored.failedCritical, new Date(now)],
    );
    const reviewId = review.rows[0]!.id;
    await tx.query(`UPDATE review_queue SET state = 'reviewed' WHERE attempt_id = $1::uuid`, [r.attemptId]);
    await audit(tx, { actor: r.inspector, action: 'review', entity: 'attempt', entityId: r.attemptId, details: { reviewId, score: scored.score, passed: scored.passed, failedCritical: scored.failedCritical } });
    const loops = await closeLoopsReviewed(tx, r.attemptId, scored.passed, r.inspector, now);
    const opened = { attemptId: r.attemptId, reviewId, plan, actor: r.inspector, now };
    if (corrective) loops.push(await openCorrectiveLoop(tx, { ...opened, failed: failedLabels, callbackId: corrective }));
    loops.push(...closedTrials);
    const fields = call.trial as Record<string, unknown>;
    if (sale && scored.passed && fields[plan.trial.field]) {
      const trials = await trialLoopsOf(tx, r.attemptId);
      if (trials.length === 0) loops.push(await openTrialLoop(tx, opened));
      for (const trial of trials.filter((l) => l.state === 'open')) loops.push(await noteOnLoop(tx, trial.id, r.inspector, 'the trial sale passed review', now));
    }
    return { id: reviewId, ...scored, loops };
  });
}

export interface StoredReview {
  readonly id: string;
  readonly attemptId: string;
  readonly agentId: string;
  readonly scorecardId: string;
  readonly inspector: string;
  readonly answers: Answers;
  readonly comments: readonly ReviewComment[];
  readonly score: number;
  readonly passed: boolean;
  readonly failedCritical: readonly string[];
  readonly submittedAt: string;
}

export async function reviewsOf(db: Queryable, f: { attemptId?: string | undefined; agentId?: string | undefined; limit?: number }): Promise<StoredReview[]> {
  const { rows } = await db.query<StoredReview & { submittedAt: Date }>(
    `SELECT id, attempt_id AS "attemptId", agent_id AS "agentId", scorecard_id AS "scorecardId", inspector, answers, comments, score, passed,
            failed_critical AS "failedCritical", submitted_at AS "submittedAt"
       FROM reviews WHERE ($1::uuid IS NULL OR attempt_id = $1::uuid) AND ($2::text IS NULL OR agent_id = $2) ORDER BY submitted_at DESC LIMIT $3`,
    [f.attemptId ?? null, f.agentId ?? null, f.limit ?? 500],
  );
  return rows.map((r) => ({ ...r, submittedAt: r.submittedAt.toISOString() }));
}
