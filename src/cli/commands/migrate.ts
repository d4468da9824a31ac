import { runMigrations } from '../../storage/migrate.js';
import { openDatabaseFromEnv } from '../../storage/open.js';

/** `outpace migrate`: applies every migration the database lacks. Returns the exit code. */
export async function migrateCommand(_argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const db = await openDatabaseFromEnv(env);
  try {
    const report = await runMigrations(db);
    const where = db.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'the embedded database';
    console.log(
      report.applied.length === 0
        ? `${where} is up to date (${report.alreadyApplied} migrations).`
        : `Applied to ${where}: ${report.applied.join(', ')}.`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
