import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';

/**
 * The embedded PostgreSQL: a data folder on disk, or memory when `dataDir` is
 * undefined (tests), optionally starting from a dump of another database. PGlite is one connection, so its transactions run one at a
 * time; row locks and SKIP LOCKED still parse and behave, trivially.
 */
export interface PgliteDb extends Db {
  /** The whole database as a tarball, to start another PGlite from. */
  dump(): Promise<Blob | File>;
}

export async function openPglite(dataDir?: string, startFrom?: Blob): Promise<PgliteDb> {
  // PGlite creates the data folder itself but not its parents: a first `outpace migrate` in a new folder needs .outpace-data too.
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  // Starting from a dump (PGlite.dumpDataDir) skips initdb: under a second instead of several.
  const pglite = await PGlite.create(dataDir, startFrom ? { loadDataDir: startFrom } : {});
  const wrap = (target: PGlite | Transaction): Queryable => ({
    query: async <Row extends object>(sql: string, params?: readonly unknown[]) => {
      const result = await target.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 } satisfies QueryResult<Row>;
    },
    exec: async (sql) => {
      await target.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(pglite),
    transaction: (work) => pglite.transaction((tx) => work(wrap(tx))),
    close: () => pglite.close(),
    dump: () => pglite.dumpDataDir('none'),
  };
}
