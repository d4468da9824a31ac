import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/db.js';
import { assertMigrated, loadMigrations, runMigrations, UnmigratedDatabaseError } from '../../src/storage/migrate.js';
import { freshPglite, openIsolatedPostgres, postgresUrl } from '../support/databases.js';

const url = await postgresUrl();
const engines: { kind: string; open: () => Promise<Db> }[] = [
  { kind: 'pglite', open: () => freshPglite('empty') },
  ...(url ? [{ kind: 'postgres', open: () => openIsolatedPostgres(url) }] : []),
];

// The steps run in order on one database per engine: a fresh PGlite costs seconds.
describe.each(engines)('migrations on $kind', ({ open }) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());

  it('refuses an unmigrated database with a message that says what to run', async () => {
    await expect(assertMigrated(db)).rejects.toThrow(UnmigratedDatabaseError);
    await expect(assertMigrated(db)).rejects.toThrow(/outpace migrate/);
  });

  it('applies every migration once, then accepts the database', async () => {
    const first = await runMigrations(db);
    expect(first.applied.length).toBe((await loadMigrations()).length);
    const second = await runMigrations(db);
    expect(second.applied).toEqual([]);
    await expect(assertMigrated(db)).resolves.toBeUndefined();
  });

  it('names a migration the database lacks', async () => {
    const later = { version: 9999, name: 'later', sql: 'SELECT 1', checksum: 'x' };
    await expect(assertMigrated(db, [...(await loadMigrations()), later])).rejects.toThrow(/9999_later/);
  });

  it('detects an applied migration edited afterwards', async () => {
    const edited = (await loadMigrations()).map((m) => ({ ...m, checksum: 'edited' }));
    await expect(assertMigrated(db, edited)).rejects.toThrow(/edited after it was applied/);
  });
});
