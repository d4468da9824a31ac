import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.js';

export interface PostgresOptions {
  readonly url: string;
  /** Search path of every connection: the test suites give each file its own schema. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

/** A PostgreSQL server through a pg connection pool. */
export function openPostgres(options: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const onConnection = (client: pg.ClientBase): Queryable => ({
    query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
      toResult<Row>(await client.query(sql, params as unknown[])),
    exec: async (sql) => {
      await client.query(sql);
    },
  });
  return {
    kind: 'postgres',
    query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
      toResult<Row>(await pool.query(sql, params as unknown[])),
    exec: async (sql) => {
      await pool.query(sql);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(onConnection(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function toResult<Row>(result: pg.QueryResult): QueryResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
}
