import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';

/**
 * The embedded PostgreSQL: a data folder on disk, or memory when `dataDir` is
 * undefined (tests). PGlite is one connection, so its transactions run one at a
 * time; row locks and SKIP LOCKED still parse and behave, trivially.
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  const pglite = await PGlite.create(dataDir);
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
  };
}
