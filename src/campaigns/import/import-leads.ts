/**
 * Importing a lead file: streamed (memory stays flat whatever the size),
 * mapped, normalised, checked against the do-not-call list, inserted in
 * batches. Every rejected row is kept with its line and reason; a number the
 * list already holds is left as it is, so importing the same file twice
 * changes nothing.
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { CampaignId } from '../../domain/ids.js';
import { audit } from '../../storage/audit.js';
import type { Db, Queryable } from '../../storage/db.js';
import { getCampaign } from '../campaign-store.js';
import { createList, insertLeads, type ListId, type NewLead } from '../leads.js';
import { blackListed } from '../number-lists.js';
import { createImport, finishImport, getImportStatus, recordBatch, type ImportStatus, type Rejection } from './import-store.js';
import { resolveColumns, type ColumnMapping, type ResolvedColumns } from './mapping.js';
import { normaliseRow } from './normalise.js';

export interface ImportRequest {
  readonly campaignId: CampaignId;
  readonly listName: string;
  /** Who supplied the data: the list-quality report groups by it. */
  readonly listSource?: string | undefined;
  readonly fileName: string;
  readonly mapping: ColumnMapping;
  readonly actor: string;
  /** Rows per insert; larger batches mean fewer round trips and more memory. */
  readonly batchSize?: number;
}

export interface StartedImport {
  readonly importId: string;
  readonly listId: ListId;
  /** Settles when the file is read to the end or the import fails; never rejects. */
  readonly finished: Promise<ImportStatus>;
}

const DEFAULT_BATCH = 5000;

export async function startImport(db: Db, request: ImportRequest, file: Readable): Promise<StartedImport> {
  await getCampaign(db, request.campaignId);
  const listId = await createList(db, request.campaignId, request.listName, request.listSource);
  const importId = await createImport(db, listId, request.fileName);
  await audit(db, { actor: request.actor, action: 'import', entity: 'list', entityId: listId, details: { importId, fileName: request.fileName } });
  const finished = readFile(db, request, listId, importId, file).then(
    async () => {
      // Fresh statistics after a bulk load: with stale ones the planner sorts the whole hopper on every claim.
      await db.exec('ANALYZE leads, customers');
      await finishImport(db, importId);
    },
    (error: unknown) => finishImport(db, importId, error instanceof Error ? error.message : String(error)),
  );
  return { importId, listId, finished: finished.then(() => getImportStatus(db, importId)) };
}

async function readFile(db: Db, request: ImportRequest, listId: ListId, importId: string, file: Readable): Promise<void> {
  const parser = file.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  file.on('error', (error) => parser.destroy(error));
  const batchSize = request.batchSize ?? DEFAULT_BATCH;
  let columns: ResolvedColumns | undefined;
  let leads: NewLead[] = [];
  let rejections: Rejection[] = [];
  // One batch is written while the next is parsed: the database and the parser work at once.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = { leads, rejections };
    leads = [];
    rejections = [];
    await writing;
    writing = db.transaction((tx) => writeBatch(tx, request.campaignId, listId, importId, batch.leads, batch.rejections));
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!columns) {
        columns = resolveColumns(request.mapping, record);
        continue;
      }
      const verdict = normaliseRow(record, info.lines, columns, request.mapping);
      if ('rejected' in verdict) rejections.push({ row: info.lines, reason: verdict.rejected });
      else leads.push(verdict.lead);
      if (leads.length + rejections.length >= batchSize) await flush();
    }
    if (!columns) throw new Error('the file is empty: expected a header line, then one lead per line');
    await flush();
  } finally {
    // A batch still being written finishes (or fails) before the import is marked finished.
    await writing;
  }
}

async function writeBatch(
  tx: Queryable,
  campaignId: CampaignId,
  listId: ListId,
  importId: string,
  candidates: NewLead[],
  rejections: Rejection[],
): Promise<void> {
  const read = candidates.length + rejections.length;
  const black = await blackListed(tx, candidates.map((l) => l.phone), campaignId);
  const dialable = candidates.filter((lead) => {
    if (!black.has(lead.phone)) return true;
    rejections.push({ row: lead.sourceRow!, reason: `${lead.phone} is on the do-not-call list` });
    return false;
  });
  const inserted = await insertLeads(tx, listId, dialable, importId);
  const notInserted = dialable.filter((lead) => !inserted.has(lead.sourceRow!));
  let unchanged = 0;
  if (notInserted.length > 0) {
    const { rows } = await tx.query<{ phone: string; source_row: number; import_id: string | null }>(
      'SELECT phone, source_row, import_id FROM leads WHERE list_id = $1 AND phone = ANY ($2::text[])',
      [listId, notInserted.map((l) => l.phone)],
    );
    const holder = new Map(rows.map((r) => [r.phone, r]));
    for (const lead of notInserted) {
      const first = holder.get(lead.phone);
      if (first?.import_id === importId) {
        rejections.push({ row: lead.sourceRow!, reason: `${lead.phone} duplicates line ${first.source_row}` });
      } else {
        unchanged += 1;
      }
    }
  }
  await recordBatch(tx, importId, { read, imported: inserted.size, unchanged, rejections });
}
