/**
 * Set-based statements that turn a staged batch (`staging.ts`) into leads,
 * with the same verdicts, row for row, that the importer has always given:
 * numbers on the do-not-call list are rejected; a number the list already
 * holds from this import is a duplicate of that line; one it held before is
 * left unchanged, so a re-import changes nothing. One statement per step, not
 * one per row: the database does the work in bulk.
 */
import type { CampaignId } from '../../domain/ids.js';
import type { Queryable } from '../../storage/db.js';
import type { ListId } from '../leads.js';

export interface BatchTarget {
  readonly importId: string;
  readonly listId: ListId;
  readonly campaignId: CampaignId;
}

export interface BatchOutcome {
  readonly imported: number;
  readonly unchanged: number;
  /** Rows rejected here (do-not-call, duplicates); each one recorded in import_rejections. */
  readonly rejected: number;
}

export async function applyBatch(tx: Queryable, target: BatchTarget, staged: number): Promise<BatchOutcome> {
  const blackListed = await rejectBlackListed(tx, target);
  await createCustomers(tx);
  const imported = await insertLeads(tx, target);
  // The usual fresh file inserts every staged row: no need to look for the ones the list held.
  if (imported === staged - blackListed) return { imported, unchanged: 0, rejected: blackListed };
  const held = await sortOutHeld(tx, target);
  return { imported, unchanged: held.unchanged, rejected: blackListed + held.duplicates };
}

async function rejectBlackListed(tx: Queryable, target: BatchTarget): Promise<number> {
  // Data-modifying CTEs run to completion whether or not the final SELECT reads them.
  const { rows } = await tx.query<{ n: number }>(
    `WITH black AS (
       DELETE FROM import_batch b
        WHERE EXISTS (SELECT 1 FROM number_lists n
                       WHERE n.phone = b.phone AND n.color = 'black' AND (n.campaign_id IS NULL OR n.campaign_id = $2))
       RETURNING b.source_row, b.phone
     ), recorded AS (
       INSERT INTO import_rejections (import_id, row_number, reason)
       SELECT $1, source_row, phone || ' is on the do-not-call list' FROM black
       ON CONFLICT DO NOTHING
     )
     SELECT count(*)::int AS n FROM black`,
    [target.importId, target.campaignId],
  );
  return rows[0]!.n;
}

async function createCustomers(tx: Queryable): Promise<void> {
  // In number order, so that two imports sharing numbers take the index locks in one order and cannot deadlock.
  // A statement of its own: the next one must see customers a concurrent import just committed.
  await tx.exec(
    `INSERT INTO customers (id, phone)
     SELECT DISTINCT ON (phone) customer_id, phone FROM import_batch ORDER BY phone, source_row
     ON CONFLICT (phone) DO NOTHING`,
  );
}

async function insertLeads(tx: Queryable, target: BatchTarget): Promise<number> {
  // DISTINCT ON keeps a number's first line of the batch; later lines become its duplicates.
  // The customer is looked up row by row through its index: a join would let the
  // planner, with statistics that lag a bulk load, scan every customer for each batch.
  const { rows } = await tx.query<{ n: number }>(
    `WITH inserted AS (
       INSERT INTO leads (id, list_id, campaign_id, customer_id, phone, time_zone, other_time_zones, custom_fields, priority, source_row, import_id)
       SELECT DISTINCT ON (b.phone) b.lead_id, $1::uuid, $2::uuid, (SELECT c.id FROM customers c WHERE c.phone = b.phone),
              b.phone, b.time_zone, b.other_time_zones, b.custom_fields, b.priority, b.source_row, $3::uuid
         FROM import_batch b
        ORDER BY b.phone, b.source_row
       ON CONFLICT (list_id, phone) DO NOTHING
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM inserted`,
    [target.listId, target.campaignId, target.importId],
  );
  return rows[0]!.n;
}

/** Staged rows whose number the list already holds: duplicates of a line of this import, or unchanged. */
async function sortOutHeld(tx: Queryable, target: BatchTarget): Promise<{ duplicates: number; unchanged: number }> {
  const { rows } = await tx.query<{ duplicates: number; unchanged: number }>(
    `WITH held AS (
       SELECT b.source_row, b.phone, l.source_row AS first_row, l.import_id IS NOT DISTINCT FROM $2::uuid AS ours
         FROM import_batch b JOIN leads l ON l.list_id = $1 AND l.phone = b.phone
        WHERE NOT (l.import_id IS NOT DISTINCT FROM $2::uuid AND l.source_row = b.source_row)
     ), duplicates AS (
       INSERT INTO import_rejections (import_id, row_number, reason)
       SELECT $2, source_row, phone || ' duplicates line ' || first_row FROM held WHERE ours
       ON CONFLICT DO NOTHING
     )
     SELECT count(*) FILTER (WHERE ours)::int AS duplicates, count(*) FILTER (WHERE NOT ours)::int AS unchanged FROM held`,
    [target.listId, target.importId],
  );
  return rows[0]!;
}
