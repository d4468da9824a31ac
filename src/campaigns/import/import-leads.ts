/**
 * Importing a lead file: streamed (memory stays flat whatever the size),
 * mapped, normalised, then written in batches: each batch is staged in bulk
 * (`staging.ts`) and applied with a few set-based statements
 * (`apply-batch.ts`), one transaction a batch, so the import's counts show
 * its progress. Every rejected row is kept with its line and reason; a number
 * the list already holds is left as it is, so importing the same file twice
 * changes nothing.
 */
import type { Readable } from 'node:stream';
import { parse, type Options as CsvOptions } from 'csv-parse';
import type { CampaignId } from '../../domain/ids.js';
import { audit } from '../../storage/audit.js';
import type { Db, Queryable } from '../../storage/db.js';
import type { Campaign } from '../campaign.js';
import { getCampaign } from '../campaign-store.js';
import { PROFILES } from '../compliance.js';
import { createList, type ListId } from '../leads.js';
import { applyBatch, type BatchTarget } from './apply-batch.js';
import { countBatch, createImport, finishImport, getImportStatus, keepImportAlive, recordRejections, type ImportStatus } from './import-store.js';
import { checkWholeFile, MalformedFile } from './checked-file.js';
import { resolveColumns, type ColumnMapping } from './mapping.js';
import type { RowRules } from './normalise.js';
import { sniffFile } from './sniff.js';
import { Lanes, type Batch } from './lanes.js';
import { NormalisePool } from './normalise-pool.js';
import { stageBatch } from './staging.js';

export interface ImportRequest {
  readonly campaignId: CampaignId;
  readonly listName: string;
  /** Who supplied the data: the list-quality report groups by it. */
  readonly listSource?: string | undefined;
  readonly fileName: string;
  readonly mapping: ColumnMapping;
  readonly actor: string;
  /** Rows per batch (one transaction); larger batches mean fewer statements and more memory. */
  readonly batchSize?: number;
}

export interface StartedImport {
  readonly importId: string;
  readonly listId: ListId;
  /** Settles when the file is read to the end or the import fails; never rejects. */
  readonly finished: Promise<ImportStatus>;
}

// About 5 MB of leads a batch, two batches a lane in memory (one parsed, one
// written): small enough for the server's default temp_buffers (8 MB) to hold
// the staging table, large enough that a batch's fixed cost (a temporary table,
// a few statements) is noise.
const DEFAULT_BATCH = 25_000;
// See lanes.ts. PGlite is one connection: a second lane would only wait its turn.
const LANES = { postgres: 2, pglite: 1 } as const;
// See normalise-pool.ts: two workers keep pace with the parser on this 2-core machine.
const NORMALISERS = 2;

// A row (a record of the parser) longer than this is an unclosed quote swallowing the file, not a lead.
const MAX_RECORD_BYTES = 2 ** 20;

export async function startImport(db: Db, request: ImportRequest, file: Readable): Promise<StartedImport> {
  const campaign = await getCampaign(db, request.campaignId);
  const listId = await createList(db, request.campaignId, request.listName, request.listSource);
  const importId = await createImport(db, listId, request.fileName);
  await audit(db, { actor: request.actor, action: 'import', entity: 'list', entityId: listId, details: { importId, fileName: request.fileName } });
  const target: BatchTarget = { importId, listId, campaignId: request.campaignId };
  const alive = keepImportAlive(db, importId);
  const finished = readFile(db, request, target, rowRules(campaign, request.mapping), file)
    .then(
      async () => {
        // Fresh statistics after a bulk load: with stale ones the planner sorts the whole hopper on every claim.
        await db.exec('ANALYZE leads, customers');
        await finishImport(db, importId);
      },
      (error: unknown) => finishImport(db, importId, readableError(error)),
    )
    .finally(() => clearInterval(alive));
  return { importId, listId, finished: finished.then(() => getImportStatus(db, importId)) };
}

/** The countries a campaign's numbers may be in: its compliance profile's, unless the mapping accepts others. */
function rowRules(campaign: Campaign, mapping: ColumnMapping): RowRules {
  return mapping.acceptOtherCountries ? {} : { countries: PROFILES[campaign.complianceProfile].countries };
}

/** The parser's errors say what and where; the user also needs what to do. */
function readableError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof MalformedFile)) return message;
  const what =
    error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quote opened after it is never closed'
    : error.code === 'CSV_MAX_RECORD_SIZE' ? 'the row after it runs on for more than 1 MiB: a quote left open'
    : `the row after it breaks CSV's rules (${message})`;
  return `the file is not valid CSV after line ${error.line}: ${what}; fix it and import the file again (nothing of it was imported)`;
}

async function readFile(db: Db, request: ImportRequest, target: BatchTarget, rules: RowRules, file: Readable): Promise<void> {
  const sniffed = await sniffFile(file, request.mapping.separator);
  const options: CsvOptions = { bom: true, skip_empty_lines: true, relax_column_count: true, delimiter: sniffed.separator, max_record_size: MAX_RECORD_BYTES };
  // A malformed file (a quote left open on its last line) must write nothing: see checked-file.ts.
  const checked = await checkWholeFile(sniffed.source, options);
  try {
    await writeFile(db, request, target, rules, checked.open(), options);
  } finally {
    await checked.remove();
  }
}

async function writeFile(db: Db, request: ImportRequest, target: BatchTarget, rules: RowRules, file: Readable, options: CsvOptions): Promise<void> {
  const parser = file.pipe(parse({ ...options, info: true }));
  file.on('error', (error) => parser.destroy(error));
  const lanes = new Lanes(LANES[db.kind], request.batchSize ?? DEFAULT_BATCH, (batch) =>
    db.transaction((tx) => writeBatch(tx, target, batch)),
  );
  let normaliser: NormalisePool | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!normaliser) {
        normaliser = new NormalisePool(NORMALISERS, resolveColumns(request.mapping, record), request.mapping, rules, (verdict, row) =>
          'rejected' in verdict ? lanes.addRejection({ row, reason: verdict.rejected }) : lanes.addLead(verdict.lead),
        );
        continue;
      }
      await normaliser.add(record, info.lines);
    }
    if (!normaliser) throw new Error('the file is empty: expected a header line, then one lead per line');
    await normaliser.flush();
    await lanes.flush();
  } finally {
    await normaliser?.close();
    // Batches still being written finish (or fail) before the import is marked finished.
    await lanes.written();
  }
}

async function writeBatch(tx: Queryable, target: BatchTarget, { leads, rejections }: Batch): Promise<void> {
  await stageBatch(tx, leads);
  const outcome = await applyBatch(tx, target, leads.length);
  await recordRejections(tx, target.importId, rejections);
  await countBatch(tx, target.importId, {
    read: leads.length + rejections.length,
    imported: outcome.imported,
    unchanged: outcome.unchanged,
    rejected: rejections.length + outcome.rejected,
  });
}
