/**
 * One batch of normalised leads, loaded in bulk into a temporary table that
 * the set-based statements of `apply-batch.ts` read. PostgreSQL gets the rows
 * through COPY, at a fraction of an INSERT's cost per row; PGlite, which has
 * no COPY from the client, through one INSERT of arrays. The table lives for
 * one transaction: nothing to clean up after a crash, nothing written to WAL.
 * Each row carries time-ordered ids for its lead and, should the number be
 * new, its customer: see `time-ordered-id.ts` for why.
 */
import type { Queryable } from '../../storage/db.js';
import { timeOrderedId } from '../../storage/time-ordered-id.js';
import { otherTimeZonesText } from '../leads.js';
import type { ImportedLead } from './normalise.js';

export async function stageBatch(tx: Queryable, leads: readonly ImportedLead[]): Promise<void> {
  await tx.exec(
    `CREATE TEMPORARY TABLE import_batch (
       source_row integer NOT NULL, lead_id uuid NOT NULL, customer_id uuid NOT NULL, phone text NOT NULL,
       time_zone text NOT NULL, other_time_zones text[], custom_fields jsonb NOT NULL, priority integer NOT NULL
     ) ON COMMIT DROP`,
  );
  const columns = 'source_row, lead_id, customer_id, phone, time_zone, other_time_zones, custom_fields, priority';
  if (tx.copyFrom) {
    await tx.copyFrom(`COPY import_batch (${columns}) FROM STDIN`, copyLines(leads));
  } else {
    await tx.query(
      `INSERT INTO import_batch (${columns})
       SELECT r, l, c, p, z, o::text[], f, n FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::int[])
              AS x(r, l, c, p, z, o, f, n)`,
      [
        leads.map((l) => l.sourceRow),
        leads.map(() => timeOrderedId()),
        leads.map(() => timeOrderedId()),
        leads.map((l) => l.phone),
        leads.map((l) => l.timeZone),
        leads.map((l) => otherTimeZonesText(l) ?? null),
        leads.map((l) => JSON.stringify(l.customFields ?? {})),
        leads.map((l) => l.priority ?? 0),
      ],
    );
  }
}

function* copyLines(leads: readonly ImportedLead[]): Generator<string> {
  for (const l of leads) {
    yield `${l.sourceRow}\t${timeOrderedId()}\t${timeOrderedId()}\t${copyText(l.phone)}\t${copyText(l.timeZone)}\t${otherTimeZonesText(l) ?? '\\N'}\t${copyText(JSON.stringify(l.customFields ?? {}))}\t${l.priority ?? 0}\n`;
  }
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format, where backslash, tab and line ends are escaped. */
export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}
