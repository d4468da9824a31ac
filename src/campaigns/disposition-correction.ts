/**
 * A supervisor corrects an attempt's disposition after the call. The
 * correction does what the new disposition means, as far as it still can:
 * - a do-not-call correction puts the number on the black list at once and
 *   closes the lead, whenever the call was (an opt-out is honoured late, never lost);
 * - any other correction moves the lead only if this attempt is the lead's
 *   latest and no call to it is in flight: a later call already decided
 *   where the lead went, and that call's own disposition stands;
 * - a callback the corrected disposition had scheduled is cancelled when the
 *   lead follows the correction; a callback correction schedules a new one;
 * - a black-list entry the old disposition made stays: lifting an opt-out is
 *   a deliberate act (DELETE /number-lists), with its own audit row;
 * - a trial sale's confirmation calls follow the sale: closed when it is no
 *   longer one, opened when the call becomes one (src/qa/disposition-follow-up.ts).
 * Before, after and who are in the audit log.
 */
import type { AttemptId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import { audit } from '../storage/audit.js';
import type { Db } from '../storage/db.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';
import { followUpCorrection } from '../qa/disposition-follow-up.js';
import { applyDisposition, type Disposition } from './attempts.js';
import type { LeadStep } from './lead-progress.js';

export interface CorrectionResult {
  readonly before: string | null;
  readonly after: string;
  /** Whether the lead moved to the corrected disposition's next step. */
  readonly leadFollowed: boolean;
  readonly step: LeadStep;
}

export async function correctDisposition(db: Db, attemptId: AttemptId, disposition: Disposition, actor: string, now: EpochMs): Promise<CorrectionResult> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ disposition: string | null; ended: boolean; latest: boolean; in_flight: boolean; lead_id: string }>(
      `SELECT a.disposition, a.ended_at IS NOT NULL AS ended, l.id AS lead_id, l.state IN ('claimed', 'dialing') AS in_flight,
              NOT EXISTS (SELECT 1 FROM attempts later WHERE later.lead_id = a.lead_id AND later.originated_at > a.originated_at) AS latest
         FROM attempts a JOIN leads l ON l.id = a.lead_id WHERE a.id = $1::uuid FOR UPDATE OF a, l`,
      [attemptId],
    );
    const attempt = rows[0];
    if (!attempt) throw new NotFoundError('attempt', attemptId);
    if (!attempt.ended) throw new ConflictError(`attempt ${attemptId} is still on the call: its agent dispositions it first`);
    let leadFollowed = false;
    const step = await applyDisposition(tx, attemptId, disposition, actor, now, (effect) => {
      leadFollowed = !attempt.in_flight && (attempt.latest || effect === 'do-not-call');
      return leadFollowed;
    });
    if (leadFollowed) {
      // Callbacks the corrected disposition scheduled; one the correction itself asked for is newer than the transaction.
      // A QA loop's call is the loop's to keep or end (followUpCorrection, below).
      await tx.query(
        `UPDATE callbacks SET state = 'cancelled' WHERE lead_id = $1 AND state = 'scheduled' AND created_at < now()
            AND id NOT IN (SELECT callback_id FROM qa_loops WHERE lead_id = $1 AND state = 'open' AND callback_id IS NOT NULL)`,
        [attempt.lead_id],
      );
    }
    await followUpCorrection(tx, attemptId, disposition.code, actor, now);
    await audit(tx, {
      actor,
      action: 'correct-disposition',
      entity: 'attempt',
      entityId: attemptId,
      details: { before: attempt.disposition, after: disposition.code, note: disposition.note ?? null, leadFollowed },
    });
    return { before: attempt.disposition, after: disposition.code, leadFollowed, step };
  });
}
