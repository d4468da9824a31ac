/**
 * Versioned migrations: plain numbered SQL files in ./migrations, applied in
 * order, each in its own transaction, recorded in schema_migrations with a
 * checksum. Plain SQL rather than a migration tool because the same files must
 * run on a PostgreSQL server and on PGlite, which the tools' drivers do not all
 * reach, and because a dozen lines of runner are easier to trust than a
 * dependency.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Db } from './db.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_([\w-]+)\.sql$/;
/** Any constant: serialises concurrent `migrate` runs against one server. */
const MIGRATION_LOCK = 7_414_551;

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const match = FILE_NAME.exec(file);
      if (!match) throw new Error(`migration file "${file}" must be named NNNN_name.sql`);
      const sql = await readFile(new URL(file, dir), 'utf8');
      return { version: Number(match[1]), name: match[2]!, sql, checksum: sha256(sql) };
    }),
  );
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

/** Applies every migration the database lacks; safe to run from several processes at once. */
export async function runMigrations(db: Db, migrations?: readonly Migration[]): Promise<MigrationReport> {
  const all = migrations ?? (await loadMigrations());
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: string[] = [];
  for (const migration of all) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const existing = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (existing.rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (done) applied.push(`${pad(migration.version)}_${migration.name}`);
  }
  return { applied, alreadyApplied: all.length - applied.length };
}

export class UnmigratedDatabaseError extends Error {
  constructor(detail: string) {
    super(`${detail}. Run "outpace migrate" against this database, then start again.`);
    this.name = 'UnmigratedDatabaseError';
  }
}

/** Throws an UnmigratedDatabaseError unless every migration this build knows is applied, unaltered. */
export async function assertMigrated(db: Db, migrations?: readonly Migration[]): Promise<void> {
  const all = migrations ?? (await loadMigrations());
  const table = await db.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  );
  if (!table.rows[0]?.present) throw new UnmigratedDatabaseError('The database has no outpace schema');
  const rows = await db.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
  const applied = new Map(rows.rows.map((r) => [r.version, r.checksum]));
  const missing = all.filter((m) => !applied.has(m.version));
  if (missing.length > 0) {
    const names = missing.map((m) => `${pad(m.version)}_${m.name}`).join(', ');
    throw new UnmigratedDatabaseError(`The database lacks migration(s) ${names}`);
  }
  const altered = all.find((m) => applied.get(m.version) !== m.checksum);
  if (altered) {
    throw new Error(
      `Migration ${pad(altered.version)}_${altered.name} was edited after it was applied; ` +
        'add a new migration instead of changing an applied one.',
    );
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function pad(version: number): string {
  return String(version).padStart(4, '0');
}
