import type { Db } from './db.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** Where the embedded database keeps its files when no DATABASE_URL is given. */
export const DEFAULT_DATA_DIR = '.outpace-data/pg';

export interface DatabaseChoice {
  /** A PostgreSQL URL; when absent, the embedded PGlite database is used. */
  readonly url?: string | undefined;
  readonly dataDir?: string | undefined;
}

/** Opens PostgreSQL when a URL is given, else the embedded database in its data folder. */
export async function openDatabase(choice: DatabaseChoice = {}): Promise<Db> {
  if (choice.url) return openPostgres({ url: choice.url });
  return openPglite(choice.dataDir ?? DEFAULT_DATA_DIR);
}

/** The database the environment names: DATABASE_URL, else the embedded one. */
export function openDatabaseFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Db> {
  return openDatabase({ url: env.DATABASE_URL, dataDir: env.OUTPACE_DATA_DIR });
}
