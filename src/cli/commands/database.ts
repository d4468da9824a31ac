/** The database a command works on: DATABASE_URL, else the embedded one in OUTPACE_DATA_DIR or .outpace-data/pg. */
import { interruptDeadImports } from '../../campaigns/import/import-store.js';
import type { Db } from '../../storage/db.js';
import { assertMigrated } from '../../storage/migrate.js';
import { openDatabaseFromEnv } from '../../storage/open.js';

/**
 * Opens the database and refuses to go on if it is not migrated. Imports whose
 * process died are marked interrupted here, as any command starts.
 */
export async function openMigratedDatabase(env: NodeJS.ProcessEnv = process.env): Promise<Db> {
  const db = await openDatabaseFromEnv(env);
  try {
    await assertMigrated(db);
    await interruptDeadImports(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
