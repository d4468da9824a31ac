/**
 * Import benchmark: a generated file of N leads (valid US numbers, a time
 * zone and two custom fields) imported into a fresh campaign. Reports time,
 * rows per second and peak memory; the target is 1,000,000 rows in under 60 s
 * with memory flat.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createCampaign } from '../../campaigns/campaign-store.js';
import { startImport } from '../../campaigns/import/import-leads.js';
import type { ImportStatus } from '../../campaigns/import/import-store.js';
import type { Db } from '../db.js';
import { measure, type Measured } from './measure.js';

/** The i-th of up to 8 million distinct valid numbers in Washington DC's area code. */
export function benchPhone(i: number): string {
  const exchange = 200 + (Math.floor(i / 10_000) % 800);
  return `+1202${exchange}${String(i % 10_000).padStart(4, '0')}`;
}

/** Where the leads' zones come from: a column of the file, or each number's area code (issue 14's lookup). */
export type BenchZones = 'column' | 'number';

async function writeLeadFile(path: string, rows: number, zones: BenchZones): Promise<void> {
  const out = createWriteStream(path);
  out.write(zones === 'column' ? 'phone,tz,name,segment\n' : 'phone,name,segment\n');
  const zone = zones === 'column' ? 'America/New_York,' : '';
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${benchPhone(i)},${zone}Customer ${i},${i % 7}\n`)) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  out.end();
  await finished(out);
}

export async function benchImport(db: Db, rows: number, zones: BenchZones = 'column'): Promise<Measured<ImportStatus>> {
  const dir = await mkdtemp(join(tmpdir(), 'outpace-import-bench-'));
  try {
    const path = join(dir, 'leads.csv');
    await writeLeadFile(path, rows, zones);
    const campaign = await createCampaign(
      db,
      { name: `import bench ${Date.now()}`, type: 'agent', complianceProfile: 'us', callerId: '+12025550100' },
      'bench',
    );
    return await measure(async () => {
      const started = await startImport(
        db,
        { campaignId: campaign.id, listName: 'bench', fileName: path, mapping: { phone: 'phone', ...(zones === 'column' ? { timeZone: 'tz' } : {}) }, actor: 'bench' },
        createReadStream(path),
      );
      return started.finished;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
