/** The imports table: an import's progress, counts and rejected rows, as the API reports them. */
import type { Queryable } from '../../storage/db.js';
import { NotFoundError } from '../../storage/errors.js';
import type { ListId } from '../leads.js';

export interface ImportStatus {
  readonly importId: string;
  readonly listId: ListId;
  readonly fileName: string;
  /** interrupted: the importing process stopped (a crash, a kill); importing the file again finishes it. */
  readonly state: 'running' | 'done' | 'failed' | 'interrupted';
  readonly rowsRead: number;
  readonly rowsImported: number;
  /** Numbers the list already held: re-importing a file changes nothing. */
  readonly rowsUnchanged: number;
  readonly rowsRejected: number;
  readonly error: string | null;
}

export interface Rejection {
  /** Line of the file, the header being line 1. */
  readonly row: number;
  readonly reason: string;
}

/** What one batch of the file came to; the rejections themselves are recorded apart. */
export interface BatchCounts {
  readonly read: number;
  readonly imported: number;
  readonly unchanged: number;
  readonly rejected: number;
}

const STATUS = `id AS "importId", list_id AS "listId", file_name AS "fileName", state, rows_read AS "rowsRead",
  rows_imported AS "rowsImported", rows_unchanged AS "rowsUnchanged", rows_rejected AS "rowsRejected", error`;

export async function createImport(db: Queryable, listId: ListId, fileName: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO imports (list_id, file_name) VALUES ($1, $2) RETURNING id', [listId, fileName]);
  return rows[0]!.id;
}

export async function recordRejections(db: Queryable, importId: string, rejections: readonly Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  await db.query(
    `INSERT INTO import_rejections (import_id, row_number, reason)
     SELECT $1, x.row_number, x.reason FROM unnest($2::int[], $3::text[]) AS x(row_number, reason) ON CONFLICT DO NOTHING`,
    [importId, rejections.map((r) => r.row), rejections.map((r) => r.reason)],
  );
}

export async function countBatch(db: Queryable, importId: string, batch: BatchCounts): Promise<void> {
  await db.query(
    `UPDATE imports SET rows_read = rows_read + $2, rows_imported = rows_imported + $3,
            rows_unchanged = rows_unchanged + $4, rows_rejected = rows_rejected + $5 WHERE id = $1`,
    [importId, batch.read, batch.imported, batch.unchanged, batch.rejected],
  );
}

export async function finishImport(db: Queryable, importId: string, error?: string): Promise<void> {
  await db.query(`UPDATE imports SET state = $2, error = $3, finished_at = now() WHERE id = $1`, [
    importId,
    error === undefined ? 'done' : 'failed',
    error ?? null,
  ]);
}

// A running import proves it is alive every HEARTBEAT; one silent for STALE has lost its process.
const HEARTBEAT_MS = 30_000;
const STALE_SECONDS = 120;

/** Beats the import's heartbeat until the returned timer is cleared. */
export function keepImportAlive(db: Queryable, importId: string): NodeJS.Timeout {
  const timer = setInterval(() => {
    db.query('UPDATE imports SET alive_at = now() WHERE id = $1', [importId]).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return timer;
}

/**
 * Marks interrupted the imports still 'running' whose process stopped beating
 * (see keepImportAlive), with how far each got. Called as a process starts:
 * an import whose process died would otherwise look running for ever.
 */
export async function interruptDeadImports(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE imports SET state = 'interrupted', finished_at = now(),
            error = 'the process importing it stopped after ' || rows_read || ' rows had been written ('
                    || rows_imported || ' imported, ' || rows_rejected || ' rejected); import the same file again to finish it'
      WHERE state = 'running' AND alive_at < now() - make_interval(secs => $1)`,
    [STALE_SECONDS],
  );
  return rowCount;
}

export async function getImportStatus(db: Queryable, importId: string): Promise<ImportStatus> {
  const { rows } = await db.query<ImportStatus>(`SELECT ${STATUS} FROM imports WHERE id = $1::uuid`, [importId]);
  if (!rows[0]) throw new NotFoundError('import', importId);
  return rows[0];
}

export async function listRejections(db: Queryable, importId: string, limit: number, offset: number): Promise<Rejection[]> {
  const { rows } = await db.query<Rejection>(
    `SELECT row_number AS row, reason FROM import_rejections WHERE import_id = $1::uuid ORDER BY row_number LIMIT $2 OFFSET $3`,
    [importId, limit, offset],
  );
  return rows;
}

/** Why an import counts as failed for its user: it stopped, or not one of its rows was kept. */
export function importFailure(status: ImportStatus): string | undefined {
  if (status.state !== 'done') {
    return `the import ${status.state}: ${status.error ?? 'no reason recorded'} (the counts above are what was written before it stopped)`;
  }
  if (status.rowsRead > 0 && status.rowsImported + status.rowsUnchanged === 0) {
    return `every one of the ${status.rowsRead} rows was rejected: nothing was imported (see the reasons above)`;
  }
  return undefined;
}
