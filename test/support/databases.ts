/**
 * The databases every storage suite runs on: the PostgreSQL server named by
 * DATABASE_URL (each test file in a schema of its own, dropped afterwards, so
 * files run in parallel) and the embedded PGlite, in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Db } from '../../src/storage/db.js';
import { loadMigrations, runMigrations } from '../../src/storage/migrate.js';
import { openPglite } from '../../src/storage/pglite.js';
import { openPostgres } from '../../src/storage/postgres.js';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly kind: Db['kind'];
  /** A fresh, migrated database; close it in afterAll. */
  open(): Promise<Db>;
}

/** The server's URL, or undefined (with the reason printed) when none is reachable. */
export async function postgresUrl(): Promise<string | undefined> {
  const url = process.env.DATABASE_URL ?? LOCAL_POSTGRES;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return url;
  } catch (error) {
    if (process.env.DATABASE_URL) throw error;
    console.warn(`PostgreSQL suites skipped: DATABASE_URL is unset and ${LOCAL_POSTGRES} is unreachable (${String(error)})`);
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database in a schema of its own, named for whoever must reach it by URL (a child process). */
export type IsolatedDb = Db & { readonly schema: string };

/** A fresh schema on the server, dropped when the returned Db closes. */
export async function openIsolatedPostgres(url: string, maxConnections = 10): Promise<IsolatedDb> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = openPostgres({ url, schema, maxConnections });
  return {
    ...db,
    schema,
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}

/**
 * A fresh in-memory PGlite, started from a dump kept in the temporary folder:
 * PGlite's initdb takes seconds, loading a dump under one. Dumps are named by
 * PGlite's version and the migrations' checksums, so a change makes a new one.
 */
export async function freshPglite(state: 'empty' | 'migrated'): Promise<Db> {
  // A dump fits the PGlite that made it: the installed version is part of the name.
  const pgliteVersion = JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version;
  const checksums = [pgliteVersion, ...(state === 'empty' ? [] : (await loadMigrations()).map((m) => m.checksum))].join();
  const name = `outpace-pglite-${state}-${createHash('sha256').update(checksums).digest('hex').slice(0, 12)}.tar`;
  const path = join(tmpdir(), name);
  const dump = await readFile(path).catch(() => undefined);
  if (dump) return openPglite(undefined, new Blob([dump]));
  const db = await openPglite();
  if (state === 'migrated') await runMigrations(db);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, Buffer.from(await (await db.dump()).arrayBuffer()));
  // Renaming is atomic: test files racing to make the same dump each see a whole file.
  await rename(temporary, path);
  return db;
}

export async function testDatabases(): Promise<TestDatabase[]> {
  const url = await postgresUrl();
  const pglite: TestDatabase = { kind: 'pglite', open: () => freshPglite('migrated') };
  if (!url) return [pglite];
  return [{ kind: 'postgres', open: async () => migrated(await openIsolatedPostgres(url)) }, pglite];
}

async function migrated(db: Db): Promise<Db> {
  await runMigrations(db);
  return db;
}
