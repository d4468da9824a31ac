/**
 * Importing a do-not-call (or grey, or red) list from a CSV file: a
 * regulator's registry extract, a carrier's complaint list, a former
 * supplier's opt-outs. Streamed and written in batches, so a registry of
 * millions of numbers keeps memory flat; every row that is not a valid number
 * is reported with its line and reason; importing the same file twice changes
 * nothing (entries are keyed by number, colour and campaign).
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { z } from 'zod';
import type { Queryable } from '../storage/db.js';
import { UnreadableFileError } from '../storage/errors.js';
import { normalisePhone } from './import/normalise.js';
import { addNumberListEntries, LIST_COLORS, type NumberListEntryFields } from './number-lists.js';

export const numberListFileSchema = z
  .object({
    color: z.enum(LIST_COLORS).default('black'),
    /** Absent: the entries apply to every campaign. */
    campaignId: z.uuid().optional(),
    /** Header of the column holding the number. */
    phone: z.string().min(1).default('phone'),
    /** Header of a column giving each row's category; absent or empty cells take `category`. */
    categoryColumn: z.string().min(1).optional(),
    category: z.string().min(1).max(100).default('imported'),
    /** Header of a column giving each row's reason. */
    reasonColumn: z.string().min(1).optional(),
    /** Where the file came from, kept on every entry: a registry's name, a carrier, a supplier. */
    source: z.string().min(1).max(100).default('import'),
    /** ISO country of numbers written in national form. */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as US or GB')
      .optional(),
  })
  .strict();
export type NumberListFile = z.output<typeof numberListFileSchema>;

export interface NumberListImportReport {
  /** Data rows read (the header not counted). */
  readonly rowsRead: number;
  /** Entries written, including numbers the list already held (their category and reason are refreshed). */
  readonly entriesWritten: number;
  readonly rowsRejected: number;
  /** The first MAX_REPORTED rejections, each with its line of the file; rowsRejected counts them all. */
  readonly rejections: readonly { readonly line: number; readonly reason: string }[];
}

const BATCH = 5_000;
const MAX_REPORTED = 10_000;

export async function importNumberListFile(db: Queryable, file: Readable, options: NumberListFile, actor: string): Promise<NumberListImportReport> {
  const parser = file.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  let columns: { phone: number; category?: number; reason?: number } | undefined;
  let rowsRead = 0;
  let entriesWritten = 0;
  let rowsRejected = 0;
  const rejections: { line: number; reason: string }[] = [];
  let batch: NumberListEntryFields[] = [];
  const flush = async () => {
    // A number twice in one statement would make ON CONFLICT touch a row twice, which PostgreSQL refuses.
    const unique = [...new Map(batch.map((e) => [e.phone, e])).values()];
    batch = [];
    await addNumberListEntries(db, unique, actor);
    entriesWritten += unique.length;
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!columns) {
      columns = findColumns(record, options);
      continue;
    }
    rowsRead++;
    const phone = normalisePhone(record[columns.phone] ?? '', options.defaultCountry);
    if ('rejected' in phone) {
      rowsRejected++;
      if (rejections.length < MAX_REPORTED) rejections.push({ line: info.lines, reason: phone.rejected });
      continue;
    }
    batch.push({
      phone: phone.phone,
      color: options.color,
      campaignId: options.campaignId ?? null,
      category: cell(record, columns.category, 100) ?? options.category,
      reason: cell(record, columns.reason, 1000) ?? null,
      source: options.source,
    });
    if (batch.length >= BATCH) await flush();
  }
  if (!columns) throw new UnreadableFileError('the file is empty: a do-not-call file needs a header line naming its phone column');
  if (batch.length > 0) await flush();
  return { rowsRead, entriesWritten, rowsRejected, rejections };
}

function findColumns(header: readonly string[], options: NumberListFile): { phone: number; category?: number; reason?: number } {
  const find = (name: string, role: string): number => {
    const index = header.findIndex((h) => h.trim() === name);
    if (index < 0) throw new UnreadableFileError(`the ${role} column "${name}" is not in the file's header (it has: ${header.join(', ')})`);
    return index;
  };
  return {
    phone: find(options.phone, 'phone'),
    ...(options.categoryColumn ? { category: find(options.categoryColumn, 'category') } : {}),
    ...(options.reasonColumn ? { reason: find(options.reasonColumn, 'reason') } : {}),
  };
}

/** A cell's text, cut to what the list keeps; undefined when empty. */
function cell(record: readonly string[], index: number | undefined, maxLength: number): string | undefined {
  const value = index === undefined ? undefined : record[index]?.trim();
  return value ? value.slice(0, maxLength) : undefined;
}
