import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { importNumberListFile, numberListFileSchema } from '../../campaigns/number-list-import.js';
import { openMigratedDatabase } from './database.js';

const USAGE = `usage: outpace import-dnc FILE [--color black|grey|red] [--campaign ID] [--phone COLUMN] [--category NAME]
       [--category-column COLUMN] [--reason-column COLUMN] [--source WHO] [--country CC]`;

/** `outpace import-dnc FILE`: adds a CSV file's numbers to the do-not-call (or grey, or red) list and prints the report. */
export async function importNumbersCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      color: { type: 'string' },
      campaign: { type: 'string' },
      phone: { type: 'string' },
      category: { type: 'string' },
      'category-column': { type: 'string' },
      'reason-column': { type: 'string' },
      source: { type: 'string' },
      country: { type: 'string' },
    },
  });
  const file = positionals[0];
  const options = numberListFileSchema.safeParse({
    color: values.color,
    campaignId: values.campaign,
    phone: values.phone,
    category: values.category,
    categoryColumn: values['category-column'],
    reasonColumn: values['reason-column'],
    source: values.source ?? basename(file ?? 'import'),
    defaultCountry: values.country,
  });
  if (!file || !options.success) {
    if (options.error) console.error(z.prettifyError(options.error));
    console.error(USAGE);
    return 2;
  }
  const db = await openMigratedDatabase(env);
  try {
    const report = await importNumberListFile(db, createReadStream(file), options.data, 'cli');
    console.log(
      `${options.data.color} list: read ${report.rowsRead} rows, wrote ${report.entriesWritten} entries, rejected ${report.rowsRejected}`,
    );
    for (const rejection of report.rejections.slice(0, 50)) console.log(`  line ${rejection.line}: ${rejection.reason}`);
    if (report.rowsRejected > 50) console.log(`  ... and ${report.rowsRejected - 50} more`);
    return report.rowsRejected === 0 ? 0 : 1;
  } finally {
    await db.close();
  }
}
