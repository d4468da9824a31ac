/**
 * How long recordings are kept: each campaign's retention in days, a sweep
 * that deletes the files past it and marks their rows deleted, and legal
 * holds that keep an attempt's recordings whatever the retention says.
 */
import type { Logger } from 'pino';
import type { AttemptId, CampaignId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { Chore } from '../engine/hourly-chores.js';
import type { Clock } from '../engine/scheduler.js';
import { audit } from '../storage/audit.js';
import type { Db, Queryable } from '../storage/db.js';
import { NotFoundError } from '../storage/errors.js';
import type { RecordingStore } from './recording-store.js';

/** Days the campaign keeps its recordings; null keeps them for ever. */
export async function setRecordingRetention(db: Db, campaignId: CampaignId, days: number | null, actor: string): Promise<void> {
  const result = await db.query('UPDATE campaigns SET recording_retention_days = $2 WHERE id = $1::uuid', [campaignId, days]);
  if (result.rowCount === 0) throw new NotFoundError('campaign', campaignId);
  await audit(db, { actor, action: 'set-recording-retention', entity: 'campaign', entityId: campaignId, details: { days } });
}

export async function placeLegalHold(db: Queryable, attemptId: AttemptId, reason: string, actor: string): Promise<void> {
  const result = await db.query(
    `INSERT INTO legal_holds (attempt_id, reason, placed_by) SELECT id, $2, $3 FROM attempts WHERE id = $1::uuid
     ON CONFLICT (attempt_id) DO UPDATE SET reason = EXCLUDED.reason, placed_by = EXCLUDED.placed_by, placed_at = now()`,
    [attemptId, reason, actor],
  );
  if (result.rowCount === 0) throw new NotFoundError('attempt', attemptId);
  await audit(db, { actor, action: 'place-legal-hold', entity: 'attempt', entityId: attemptId, details: { reason } });
}

export async function liftLegalHold(db: Queryable, attemptId: AttemptId, actor: string): Promise<void> {
  const result = await db.query('DELETE FROM legal_holds WHERE attempt_id = $1::uuid', [attemptId]);
  if (result.rowCount === 0) throw new NotFoundError('legal hold on attempt', attemptId);
  await audit(db, { actor, action: 'lift-legal-hold', entity: 'attempt', entityId: attemptId });
}

export interface SweepResult {
  readonly deleted: number;
  /** Files that could not be deleted, each with why: tried again at the next sweep. */
  readonly failed: ReadonlyArray<{ readonly name: string; readonly why: string }>;
}

/**
 * Deletes the files of recordings older than their campaign's retention, up
 * to `batch` of them, oldest first, and marks their rows deleted (the row
 * stays: what was recorded, and when it was deleted, is part of the record).
 */
export async function sweepRecordings(db: Db, store: RecordingStore, now: EpochMs, batch = 1000): Promise<SweepResult> {
  const { rows } = await db.query<{ id: string; name: string; location: string | null; stored_name: string | null; pbx_server: string | null }>(
    `SELECT r.id, r.name, r.location, r.stored_name, r.pbx_server FROM recordings r JOIN campaigns c ON c.id = r.campaign_id
      WHERE r.status IN ('available', 'missing') AND c.recording_retention_days IS NOT NULL
        AND r.finished_at < $1::timestamptz - make_interval(days => c.recording_retention_days)
        AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.attempt_id = r.attempt_id)
      ORDER BY r.finished_at LIMIT $2`,
    [new Date(now), batch],
  );
  const failed: Array<{ name: string; why: string }> = [];
  const deleted: string[] = [];
  for (const row of rows) {
    try {
      await store.remove({ location: row.location, storedName: row.stored_name, pbxServer: row.pbx_server });
      deleted.push(row.id);
    } catch (err) {
      failed.push({ name: row.name, why: err instanceof Error ? err.message : String(err) });
    }
  }
  if (deleted.length > 0) {
    await db.query(`UPDATE recordings SET status = 'deleted', deleted_at = $2 WHERE id = ANY($1::uuid[])`, [deleted, new Date(now)]);
    await audit(db, { actor: 'system', action: 'sweep-recordings', entity: 'recording', details: { deleted: deleted.length, failed: failed.length } });
  }
  return { deleted: deleted.length, failed };
}

/** The sweep an engine process runs (hourly-chores.ts): a batch at a time until nothing is left past its retention. */
export function retentionSweep(o: { readonly db: Db; readonly store: RecordingStore; readonly clock: Clock; readonly logger: Logger }): Chore {
  return {
    what: 'recording retention sweep',
    async run() {
      for (;;) {
        const result = await sweepRecordings(o.db, o.store, o.clock.now());
        if (result.deleted > 0 || result.failed.length > 0) o.logger.info({ deleted: result.deleted, failed: result.failed }, 'recordings past their retention swept');
        if (result.deleted === 0) return;
      }
    },
  };
}
