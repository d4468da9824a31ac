import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { startImport } from '../../campaigns/import/import-leads.js';
import { listRejections } from '../../campaigns/import/import-store.js';
import { columnMappingSchema } from '../../campaigns/import/mapping.js';
import { CampaignId } from '../../domain/ids.js';
import { openMigratedDatabase } from './database.js';

const USAGE = `usage: outpace import FILE --campaign ID [--list NAME] [--source WHO] [--phone COLUMN] [--tz COLUMN]
       [--priority COLUMN] [--country CC] [--default-tz ZONE]`;

/** `outpace import FILE`: imports a CSV lead file into a campaign's list and prints the report. */
export async function importCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      campaign: { type: 'string' },
      list: { type: 'string' },
      source: { type: 'string' },
      phone: { type: 'string', default: 'phone' },
      tz: { type: 'string' },
      priority: { type: 'string' },
      country: { type: 'string' },
      'default-tz': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || !values.campaign) {
    console.error(USAGE);
    return 2;
  }
  const mapping = columnMappingSchema.parse({
    phone: values.phone,
    timeZone: values.tz,
    priority: values.priority,
    defaultCountry: values.country,
    defaultTimeZone: values['default-tz'],
  });
  const db = await openMigratedDatabase(env);
  try {
    const started = await startImport(
      db,
      {
        campaignId: CampaignId(values.campaign),
        listName: values.list ?? basename(file),
        listSource: values.source,
        fileName: basename(file),
        mapping,
        actor: 'cli',
      },
      createReadStream(file),
    );
    const status = await started.finished;
    console.log(
      `import ${status.importId}: ${status.state}; read ${status.rowsRead}, imported ${status.rowsImported}, ` +
        `unchanged ${status.rowsUnchanged}, rejected ${status.rowsRejected}`,
    );
    if (status.error) console.error(`error: ${status.error}`);
    for (const rejection of await listRejections(db, status.importId, 50, 0)) {
      console.log(`  line ${rejection.row}: ${rejection.reason}`);
    }
    if (status.rowsRejected > 50) console.log(`  ... and ${status.rowsRejected - 50} more (GET /api/v1/imports/${status.importId}/errors)`);
    return status.state === 'done' ? 0 : 1;
  } finally {
    await db.close();
  }
}
