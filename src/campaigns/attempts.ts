/**
 * Recording attempts. The attempt row is written before the originate, so a
 * restarted engine finds every call it started and never dials a lead twice;
 * then its answer, connection and outcome; then the agent's disposition.
 * Each step moves the lead on (lead-progress.ts).
 */
import type { AgentId, AttemptId, CampaignId, LeadId, TrunkId } from '../domain/ids.js';
import type { CallOutcome, HangupCause } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';
import { audit } from '../storage/audit.js';
import type { Db, Queryable } from '../storage/db.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';
import { getCampaign } from './campaign-store.js';
import { effectiveRules, type DialingRules } from './compliance.js';
import { stepAfterAttempt, stepAfterDisposition, type DispositionEffect, type LeadStep } from './lead-progress.js';
import { addNumberListEntries } from './number-lists.js';
import { followUpDisposition } from '../qa/disposition-follow-up.js';
import { scheduleCallback } from './callbacks.js';
import { campaignOwner, OwnershipLostError, type CampaignFence } from './dialing/campaign-fence.js';

/** The engine's claim on the lead lapsed or was never there: it must not dial. */
export class ClaimLostError extends Error {
  constructor(leadId: LeadId, engineId: string) {
    super(`engine ${engineId} no longer holds lead ${leadId}: its claim lapsed or was released; do not dial it`);
    this.name = 'ClaimLostError';
  }
}

export interface AttemptStart {
  readonly leadId: LeadId;
  readonly engineId: string;
  readonly now: EpochMs;
  readonly trunkId?: TrunkId | null;
  /** The engine's own name for the attempt, kept as the row's id so that its events need no mapping. */
  readonly attemptId?: AttemptId;
  /** The engine's hold on the campaign: the attempt is refused if another engine has taken it since. */
  readonly fence?: CampaignFence;
}

/**
 * Writes the attempt before the originate; throws ClaimLostError unless the
 * engine still holds the lead, and OwnershipLostError if another engine has
 * taken the campaign since the engine's fence was set.
 */
export async function startAttempt(db: Db, start: AttemptStart): Promise<AttemptId> {
  const now = new Date(start.now);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ campaign_id: string; customer_id: string; phone: string }>(
      `UPDATE leads SET state = 'dialing', claimed_until = NULL,
              attempts_total = attempts_total + 1,
              attempts_today = CASE WHEN attempts_day = ($2::timestamptz AT TIME ZONE time_zone)::date THEN attempts_today + 1 ELSE 1 END,
              attempts_day = ($2::timestamptz AT TIME ZONE time_zone)::date
        WHERE id = $1 AND state = 'claimed' AND claimed_by = $3 AND claimed_until > $2
          AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = leads.campaign_id AND c.owner_generation = $4))
        RETURNING campaign_id, customer_id, phone`,
      [start.leadId, now, start.engineId, start.fence?.generation ?? null],
    );
    const lead = rows[0];
    if (!lead) {
      const owner = start.fence && (await campaignOwner(tx, start.fence.campaignId));
      if (start.fence && owner && owner.generation !== start.fence.generation) {
        throw new OwnershipLostError(start.fence, start.engineId, owner.engineId);
      }
      throw new ClaimLostError(start.leadId, start.engineId);
    }
    const attempt = await tx.query<{ id: AttemptId }>(
      `INSERT INTO attempts (id, lead_id, campaign_id, customer_id, phone, engine_id, trunk_id, originated_at)
       VALUES (coalesce($8::uuid, gen_random_uuid()), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [start.leadId, lead.campaign_id, lead.customer_id, lead.phone, start.engineId, start.trunkId ?? null, now, start.attemptId ?? null],
    );
    // The number stays held, without a time limit, until the outcome is recorded.
    await tx.query('UPDATE customers SET held_until = NULL WHERE id = $1 AND held_by_lead = $2', [lead.customer_id, start.leadId]);
    await tx.query(`UPDATE callbacks SET state = 'done' WHERE lead_id = $1 AND state = 'scheduled' AND due_at <= $2`, [
      start.leadId,
      now,
    ]);
    return attempt.rows[0]!.id;
  });
}

export async function markAnswered(db: Queryable, attemptId: AttemptId, at: EpochMs): Promise<void> {
  await updateOpenAttempt(db, attemptId, 'answered_at = $2', [new Date(at)]);
}

export async function markConnected(db: Queryable, attemptId: AttemptId, agentId: AgentId, at: EpochMs): Promise<void> {
  await updateOpenAttempt(db, attemptId, 'connected_at = $2, agent_id = $3', [new Date(at), agentId]);
}

async function updateOpenAttempt(db: Queryable, attemptId: AttemptId, assignments: string, values: unknown[]): Promise<void> {
  const result = await db.query(`UPDATE attempts SET ${assignments} WHERE id = $1::uuid AND ended_at IS NULL`, [attemptId, ...values]);
  if (result.rowCount === 0) throw new NotFoundError('open attempt', attemptId);
}

/** Whether the attempt's end is stored (a write whose connection dropped may have been). */
export async function attemptEnded(db: Queryable, attemptId: AttemptId): Promise<boolean> {
  const { rows } = await db.query<{ ended: boolean }>('SELECT ended_at IS NOT NULL AS ended FROM attempts WHERE id = $1::uuid', [attemptId]);
  return rows[0]?.ended ?? false;
}

/** Whether the attempt's disposition is stored. */
export async function attemptDispositioned(db: Queryable, attemptId: AttemptId): Promise<boolean> {
  const { rows } = await db.query<{ done: boolean }>('SELECT disposition IS NOT NULL AS done FROM attempts WHERE id = $1::uuid', [attemptId]);
  return rows[0]?.done ?? false;
}

/** A recording of the call, often finished after the call ended: added to the row, ended or not; added twice, kept once. */
export async function addRecording(db: Queryable, attemptId: AttemptId, recording: string): Promise<void> {
  const result = await db.query(`UPDATE attempts SET recordings = recordings || CASE WHEN recordings @> $2::jsonb THEN '[]'::jsonb ELSE $2::jsonb END WHERE id = $1::uuid`, [
    attemptId,
    JSON.stringify([recording]),
  ]);
  if (result.rowCount === 0) throw new NotFoundError('attempt', attemptId);
}

/** A recording the call should have had and Asterisk could not make: kept with why, beside the recordings made; added twice, kept once. */
export async function addRecordingFailure(db: Queryable, attemptId: AttemptId, failure: { name: string; leg: string; why: string }): Promise<void> {
  const result = await db.query(
    `UPDATE attempts SET recording_failures = recording_failures || CASE WHEN recording_failures @> $2::jsonb THEN '[]'::jsonb ELSE $2::jsonb END
      WHERE id = $1::uuid`,
    [attemptId, JSON.stringify([failure])],
  );
  if (result.rowCount === 0) throw new NotFoundError('attempt', attemptId);
}

export interface AttemptEnd {
  readonly endedAt: EpochMs;
  readonly outcome: CallOutcome;
  readonly abandoned?: boolean;
  readonly hangupCause?: HangupCause | null;
  readonly recordings?: readonly string[];
  /** The call's milestones, when not recorded as they happened (markAnswered, markConnected). */
  readonly answeredAt?: EpochMs | undefined;
  readonly connectedAt?: EpochMs | undefined;
  readonly agentId?: AgentId | undefined;
  /** A broadcast attempt: what the customer heard and pressed, kept with the attempt. */
  readonly broadcastResult?: unknown;
  /** Whether a live answer counts toward the customer's contact caps (default: it does). */
  readonly countsAsContact?: boolean;
  /**
   * The engine closing it: the attempt is closed only while it is still that
   * engine's. An engine that took the campaign over from a lost one makes the
   * calls it adopted its own (adoptAttempts), so that the lost one, should it
   * wake, closes none of them.
   */
  readonly engineId?: string;
  /**
   * Where the lead goes next, when the campaign's own rules decide rather than
   * the outcome's retry delay (a broadcast retries a message heard only in part).
   */
  readonly leadStep?: (attemptsSoFar: number, rules: DialingRules) => LeadStep;
}

interface AttemptContext {
  leadId: LeadId;
  customerId: string;
  campaignId: CampaignId;
  attemptsTotal: number;
  rules: DialingRules;
}

/** The calls an engine adopted from a lost one are its own from now on (AttemptEnd.engineId). */
export async function adoptAttempts(db: Queryable, attemptIds: readonly AttemptId[], engineId: string): Promise<void> {
  if (attemptIds.length === 0) return;
  await db.query('UPDATE attempts SET engine_id = $2 WHERE id = ANY($1::uuid[]) AND ended_at IS NULL', [attemptIds, engineId]);
}

/** Records how the call ended, moves the lead on and frees the number for other campaigns. */
export async function finishAttempt(db: Db, attemptId: AttemptId, end: AttemptEnd): Promise<LeadStep> {
  const abandoned = end.abandoned ?? false;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ lead_id: string }>(
      `UPDATE attempts SET ended_at = $2, outcome = $3, abandoned = $4, hangup_cause_code = $5, hangup_cause_text = $6,
              tech_cause = $7, recordings = recordings || $8::jsonb,
              answered_at = coalesce($9, answered_at), connected_at = coalesce($10, connected_at), agent_id = coalesce($11, agent_id), broadcast_result = $12::jsonb,
              counts_as_contact = $13
        WHERE id = $1::uuid AND ended_at IS NULL AND ($14::text IS NULL OR engine_id = $14) RETURNING lead_id`,
      [
        attemptId,
        new Date(end.endedAt),
        end.outcome,
        abandoned,
        end.hangupCause?.code ?? null,
        end.hangupCause?.text ?? null,
        end.hangupCause?.techCause ?? null,
        JSON.stringify(end.recordings ?? []),
        end.answeredAt === undefined ? null : new Date(end.answeredAt),
        end.connectedAt === undefined ? null : new Date(end.connectedAt),
        end.agentId ?? null,
        end.broadcastResult === undefined ? null : JSON.stringify(end.broadcastResult),
        end.countsAsContact ?? true,
        end.engineId ?? null,
      ],
    );
    if (!rows[0]) throw new NotFoundError(end.engineId ? `open attempt of engine ${end.engineId}` : 'open attempt', attemptId);
    const context = await attemptContext(tx, attemptId);
    const step = end.leadStep
      ? end.leadStep(context.attemptsTotal, context.rules)
      : stepAfterAttempt({ outcome: end.outcome, abandoned }, context.attemptsTotal, context.rules, end.endedAt);
    await moveLead(tx, context.leadId, step, end.outcome);
    await tx.query(
      `UPDATE customers SET held_by_lead = CASE WHEN held_by_lead = $2 THEN NULL ELSE held_by_lead END,
              held_until = CASE WHEN held_by_lead = $2 THEN NULL ELSE held_until END,
              last_abandoned_at = CASE WHEN $3 THEN $4::timestamptz ELSE last_abandoned_at END
        WHERE id = $1`,
      [context.customerId, context.leadId, abandoned, new Date(end.endedAt)],
    );
    return step;
  });
}

export interface Disposition {
  readonly code: string;
  readonly note?: string | null | undefined;
  /** For a callback disposition: when to call back, and by whom (absent: anyone). */
  readonly callbackAt?: EpochMs | undefined;
  readonly callbackAgentId?: AgentId | null | undefined;
}

/**
 * Records the agent's disposition and does what it means: retry later, done,
 * a callback, or the black list at once (an opt-out is honoured everywhere);
 * and for QA, a trial sale's confirmation calls or a QA loop's result.
 */
export async function setDisposition(db: Db, attemptId: AttemptId, disposition: Disposition, actor: string, now: EpochMs): Promise<LeadStep> {
  return db.transaction(async (tx) => {
    const step = await applyDisposition(tx, attemptId, disposition, actor, now, () => true);
    await audit(tx, { actor, action: 'disposition', entity: 'attempt', entityId: attemptId, details: { code: disposition.code } });
    // After the lead has moved: a confirmation call the loop schedules reopens it.
    await followUpDisposition(tx, attemptId, disposition.code, actor, now);
    return step;
  });
}

/**
 * The disposition's effects, in the caller's transaction: the attempt's row,
 * the callback, the black list, and the lead's next step if `leadFollows`
 * the disposition's effect (a correction long after the call may not).
 */
export async function applyDisposition(
  tx: Queryable,
  attemptId: AttemptId,
  disposition: Disposition,
  actor: string,
  now: EpochMs,
  leadFollows: (effect: DispositionEffect) => boolean,
): Promise<LeadStep> {
  const known = await tx.query<{ effect: DispositionEffect; retry_after_minutes: number | null }>(
    'SELECT effect, retry_after_minutes FROM dispositions WHERE code = $1',
    [disposition.code],
  );
  const definition = known.rows[0];
  if (!definition) throw new NotFoundError('disposition', disposition.code);
  const updated = await tx.query('UPDATE attempts SET disposition = $2, disposition_note = $3 WHERE id = $1::uuid', [
    attemptId,
    disposition.code,
    disposition.note ?? null,
  ]);
  if (updated.rowCount === 0) throw new NotFoundError('attempt', attemptId);
  const context = await attemptContext(tx, attemptId);
  const effect = disposition.code === 'refused' && context.rules.refusalIsDoNotCall ? 'do-not-call' : definition.effect;
  if (effect === 'callback') {
    if (disposition.callbackAt === undefined) {
      throw new ConflictError(`disposition ${disposition.code} schedules a callback: give callbackAt`);
    }
    await scheduleCallback(tx, { leadId: context.leadId, dueAt: disposition.callbackAt, agentId: disposition.callbackAgentId }, actor);
  }
  if (effect === 'do-not-call') {
    const phone = await tx.query<{ phone: string }>('SELECT phone FROM attempts WHERE id = $1::uuid', [attemptId]);
    await addNumberListEntries(
      tx,
      [{ phone: phone.rows[0]!.phone, color: 'black', category: 'opt-out', reason: disposition.code, source: 'disposition' }],
      actor,
    );
  }
  const step = stepAfterDisposition(effect, definition.retry_after_minutes, context.attemptsTotal, context.rules, now);
  if (leadFollows(effect)) await moveLead(tx, context.leadId, step, null);
  return step;
}

async function attemptContext(tx: Queryable, attemptId: AttemptId): Promise<AttemptContext> {
  const { rows } = await tx.query<{ lead_id: LeadId; customer_id: string; campaign_id: CampaignId; attempts_total: number }>(
    `SELECT a.lead_id, a.customer_id, a.campaign_id, l.attempts_total
       FROM attempts a JOIN leads l ON l.id = a.lead_id WHERE a.id = $1::uuid`,
    [attemptId],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError('attempt', attemptId);
  const campaign = await getCampaign(tx, row.campaign_id);
  return {
    leadId: row.lead_id,
    customerId: row.customer_id,
    campaignId: row.campaign_id,
    attemptsTotal: row.attempts_total,
    rules: effectiveRules(campaign.complianceProfile, campaign.rules),
  };
}

async function moveLead(tx: Queryable, leadId: LeadId, step: LeadStep, outcome: CallOutcome | null): Promise<void> {
  await tx.query(
    `UPDATE leads SET state = $2, next_attempt_at = $3, last_outcome = coalesce($4, last_outcome), claimed_by = NULL, claimed_until = NULL
      WHERE id = $1`,
    [leadId, step.state, step.nextAttemptAt === null ? null : new Date(step.nextAttemptAt), outcome],
  );
}

/** A call control the agent used (or that failed), stored with the attempt. */
export interface AttemptStep {
  readonly at: EpochMs;
  readonly actor: string;
  readonly step: string;
  readonly target?: string | undefined;
  readonly failed?: string | undefined;
}

export async function addAttemptStep(db: Queryable, attemptId: AttemptId, s: AttemptStep): Promise<void> {
  await db.query('INSERT INTO attempt_steps (attempt_id, at, actor, step, target, failed) VALUES ($1::uuid, $2, $3, $4, $5, $6)', [
    attemptId,
    new Date(s.at),
    s.actor,
    s.step,
    s.target ?? null,
    s.failed ?? null,
  ]);
}

/** Time the customer spent on hold, added to the attempt's. */
export async function addHoldTime(db: Queryable, attemptId: AttemptId, seconds: number): Promise<void> {
  await db.query('UPDATE attempts SET hold_seconds = hold_seconds + $2 WHERE id = $1::uuid', [attemptId, seconds]);
}
