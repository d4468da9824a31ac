import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Db } from '../../storage/db.js';
import { runMigrations } from '../../storage/migrate.js';
import { openPglite } from '../../storage/pglite.js';
import { openPostgres } from '../../storage/postgres.js';
import { benchClaims } from '../../storage/bench/claim-bench.js';
import { benchImport } from '../../storage/bench/import-bench.js';

/**
 * `outpace bench storage [--rows N] [--leads N] [--claimers N] [--zones column|number]`: the import and
 * claim benchmarks on DATABASE_URL (in a scratch schema, dropped afterwards) or
 * on a scratch embedded database. Prints one JSON object of figures.
 */
export async function benchStorageCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string', default: '1000000' },
      leads: { type: 'string', default: '50000' },
      claimers: { type: 'string', default: '4' },
      batch: { type: 'string', default: '50' },
      // column: the file names each lead's zone; number: none does, each zone comes from the number's area code.
      zones: { type: 'string', default: 'column' },
    },
  });
  if (values.zones !== 'column' && values.zones !== 'number') {
    console.error('outpace bench-storage: --zones is column or number');
    return 2;
  }
  const scratch = await openScratch(env.DATABASE_URL);
  try {
    await runMigrations(scratch.db);
    const imported = await benchImport(scratch.db, Number(values.rows), values.zones);
    const claims = await benchClaims(scratch.db, {
      leads: Number(values.leads),
      claimers: Number(values.claimers),
      batch: Number(values.batch),
      openClaimer: scratch.openClaimer,
    });
    const status = imported.result;
    console.log(
      JSON.stringify(
        {
          database: scratch.db.kind,
          import: {
            rows: status.rowsRead,
            imported: status.rowsImported,
            rejected: status.rowsRejected,
            state: status.state,
            zones: values.zones,
            seconds: round(imported.seconds),
            rowsPerSecond: Math.round(status.rowsRead / imported.seconds),
            rssStartMb: Math.round(imported.startRssMb),
            rssPeakMb: Math.round(imported.peakRssMb),
          },
          claims: { ...claims, seconds: round(claims.seconds), claimsPerSecond: Math.round(claims.claimsPerSecond) },
        },
        null,
        2,
      ),
    );
    return claims.duplicates === 0 && status.state === 'done' ? 0 : 1;
  } finally {
    await scratch.dispose();
  }
}

interface Scratch {
  readonly db: Db;
  readonly openClaimer: () => Promise<Db>;
  dispose(): Promise<void>;
}

async function openScratch(url: string | undefined): Promise<Scratch> {
  if (!url) {
    const dir = await mkdtemp(join(tmpdir(), 'outpace-bench-db-'));
    const db = await openPglite(dir);
    // PGlite is one connection: the claimers share it and take turns.
    return { db, openClaimer: async () => db, dispose: async () => (await db.close(), await rm(dir, { recursive: true, force: true })) };
  }
  const schema = `bench_${process.pid}_${Date.now()}`;
  const admin = openPostgres({ url, maxConnections: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const db = openPostgres({ url, schema });
  return {
    db,
    openClaimer: async () => openPostgres({ url, schema, maxConnections: 1 }),
    async dispose() {
      await db.close();
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}
