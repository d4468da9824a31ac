import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { startImport } from '../../campaigns/import/import-leads.js';
import { importFailure, listRejections } from '../../campaigns/import/import-store.js';
import { columnMappingSchema } from '../../campaigns/import/mapping.js';
import { CampaignId } from '../../domain/ids.js';
import { openMigratedDatabase } from './database.js';

export const IMPORT_USAGE = `usage: outpace import FILE --campaign ID [options]

Streams a CSV list of leads into a campaign's list: numbers to E.164, time zones from a column,
the number's country or area code, or --default-tz; every rejected row reported with its line.
Importing the same file again changes nothing, and finishes an import that was interrupted.

options:
  --campaign ID          the campaign (required)
  --list NAME            the list's name (default: the file's name)
  --source WHO           who supplied the data, for the list-quality report
  --phone COLUMN         the phone number's column (default: phone)
  --tz COLUMN            a column of IANA time zones such as America/Chicago
  --priority COLUMN      a column of whole numbers, higher dialed first
  --country CC           the country of numbers written without a country code, such as US
  --default-tz ZONE      the zone of leads whose zone neither a column nor the number tells
  --separator , | ; | tab  the field separator (default: told from the header line)
  --accept-other-countries  keep numbers of countries the campaign's compliance profile does not cover
  --help                 this text

Exit code: 0 when leads were imported, 1 when the import failed or every row was rejected, 2 for bad usage.`;

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
      separator: { type: 'string' },
      'accept-other-countries': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(IMPORT_USAGE);
    return 0;
  }
  const file = positionals[0];
  if (!file || !values.campaign) {
    console.error(IMPORT_USAGE);
    return 2;
  }
  const mapping = columnMappingSchema.safeParse({
    phone: values.phone,
    timeZone: values.tz,
    priority: values.priority,
    defaultCountry: values.country,
    defaultTimeZone: values['default-tz'],
    separator: values.separator === 'tab' ? '\t' : values.separator,
    acceptOtherCountries: values['accept-other-countries'],
  });
  if (!mapping.success) {
    for (const issue of mapping.error.issues) console.error(`outpace import: ${issue.path.join('.')}: ${issue.message}`);
    return 2;
  }
  const db = await openMigratedDatabase(env);
  try {
    const started = await startImport(
      db,
      {
        campaignId: CampaignId(values.campaign),
        listName: values.list ?? basename(file),
        listSource: values.source,
        fileName: basename(file),
        mapping: mapping.data,
        actor: 'cli',
      },
      createReadStream(file),
    );
    const status = await started.finished;
    console.log(
      `import ${status.importId}: ${status.state}; read ${status.rowsRead}, imported ${status.rowsImported}, ` +
        `unchanged ${status.rowsUnchanged}, rejected ${status.rowsRejected}`,
    );
    for (const rejection of await listRejections(db, status.importId, 50, 0)) {
      console.log(`  line ${rejection.row}: ${rejection.reason}`);
    }
    if (status.rowsRejected > 50) console.log(`  ... and ${status.rowsRejected - 50} more (GET /api/v1/imports/${status.importId}/errors)`);
    const failure = importFailure(status);
    if (failure) console.error(`outpace import: ${failure}`);
    return failure ? 1 : 0;
  } finally {
    await db.close();
  }
}
