/**
 * The reports' rollup of attempts (migration 0190): per campaign and
 * 15-minute UTC bucket, the sums the reports take, per campaign, agent and
 * list, by disposition.
 *
 * Kept by a catch-up rather than by adding to the sums as attempts change:
 * an attempt's figures change after it ends (the disposition comes after
 * wrap-up, QA corrects it days later), and sums kept in step with each write
 * would put every attempt of a campaign in the same quarter hour behind one
 * row lock, on the path of the write made before each originate. Instead
 * each change of an attempt adds a row to attempt_rollup_stale in its own
 * transaction (a trigger: nothing to wait on), and the catch-up recounts the
 * stale buckets whole from the attempts. A recount is idempotent, and the
 * marks are durable, so a crash or a restart loses nothing: the next catch-up
 * does the work. Until then the reports read a stale bucket from the
 * attempts (attempt-sums.ts), so they are exact at any moment.
 */
import type { Db } from '../storage/db.js';
import { ATTEMPTS_BETWEEN } from './attempt-sums.js';

/** Any constant: one catch-up at a time across every process on the database. */
const ROLLUP_LOCK = 7_414_190;
/** Buckets recounted per transaction: a backlog (the migration's, a long outage's) is worked through in short transactions. */
const BUCKETS_PER_PASS = 200;

/**
 * Recounts up to `limit` stale buckets, oldest first; returns how many, 0
 * when none is stale or another process is at it.
 */
export async function rollUpStaleBuckets(db: Db, limit = BUCKETS_PER_PASS): Promise<number> {
  return db.transaction(async (tx) => {
    // One snapshot for the marks read, the attempts counted and the marks deleted: a mark written by a change
    // this snapshot does not see is not deleted, and its bucket is recounted next time.
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const { rows: locked } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [ROLLUP_LOCK]);
    if (!locked[0]!.locked) return 0;
    const { rows: stale } = await tx.query<{ campaign_id: string; bucket: Date }>(
      'SELECT DISTINCT campaign_id, bucket FROM attempt_rollup_stale ORDER BY bucket, campaign_id LIMIT $1',
      [limit],
    );
    if (stale.length === 0) return 0;
    const buckets = [stale.map((s) => s.campaign_id), stale.map((s) => s.bucket)];
    const STALE = 'unnest($1::uuid[], $2::timestamptz[]) AS s(campaign_id, bucket)';
    await tx.query(`DELETE FROM attempt_rollup r USING ${STALE} WHERE r.campaign_id = s.campaign_id AND r.bucket = s.bucket`, buckets);
    await tx.query(
      `INSERT INTO attempt_rollup (dimension, campaign_id, bucket, key, disposition, dials, connects, live_answers, abandons, machines, talk_seconds)
       SELECT CASE grouping(a.agent_id, l.list_id) WHEN 3 THEN 'campaign' WHEN 1 THEN 'agent' ELSE 'list' END,
              s.campaign_id, s.bucket,
              CASE grouping(a.agent_id, l.list_id) WHEN 3 THEN s.campaign_id::text WHEN 1 THEN coalesce(a.agent_id, '') ELSE l.list_id::text END,
              coalesce(a.disposition, ''),
              count(*), count(*) FILTER (WHERE a.connected_at IS NOT NULL), count(*) FILTER (WHERE a.outcome = 'live'),
              count(*) FILTER (WHERE a.abandoned), count(*) FILTER (WHERE a.outcome = 'machine'),
              coalesce(sum(extract(epoch FROM a.ended_at - a.connected_at)) FILTER (WHERE a.connected_at IS NOT NULL), 0)
         FROM ${STALE} CROSS JOIN LATERAL (${ATTEMPTS_BETWEEN('s.campaign_id', 's.bucket', "s.bucket + interval '15 minutes'")}) a
         JOIN leads l ON l.id = a.lead_id
        GROUP BY GROUPING SETS ((s.campaign_id, s.bucket, a.disposition),
                                (s.campaign_id, s.bucket, a.agent_id, a.disposition),
                                (s.campaign_id, s.bucket, l.list_id, a.disposition))`,
      buckets,
    );
    await tx.query(`DELETE FROM attempt_rollup_stale m USING ${STALE} WHERE m.campaign_id = s.campaign_id AND m.bucket = s.bucket`, buckets);
    return stale.length;
  });
}

/**
 * Works through the stale buckets; returns how many were recounted. Stops at
 * the first pass that is not full: the quarter hour being dialed is stale
 * again at once, and is left to the next catch-up.
 */
export async function catchUpRollup(db: Db): Promise<number> {
  let total = 0;
  for (let n = BUCKETS_PER_PASS; n === BUCKETS_PER_PASS; total += n) n = await rollUpStaleBuckets(db);
  return total;
}

/**
 * Catches the rollup up every `everyMs` (a minute by default: the reports
 * read what it has not reached from the attempts, so it only bounds how much
 * they read there). Every process that serves the API runs one; they take
 * turns through an advisory lock. Returns the stop.
 */
export function keepRollupCaughtUp(db: Db, onError: (err: unknown) => void, everyMs = 60_000): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => catchUpRollup(db)).catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
