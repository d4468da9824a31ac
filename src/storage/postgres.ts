import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Db, Queryable, QueryResult } from './db.js';
import { isStorageUnreachable } from './errors.js';

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
    copyFrom: (sql, lines) => copyLines(client, sql, lines),
  });
  return {
    kind: 'postgres',
    query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
      toResult<Row>(await pool.query(sql, params as unknown[])),
    exec: async (sql) => {
      await pool.query(sql);
    },
    async copyFrom(sql, lines) {
      return withClient(pool, (client) => copyLines(client, sql, lines));
    },
    async transaction(work) {
      return withClient(pool, async (client) => {
        try {
          await client.query('BEGIN');
          const result = await work(onConnection(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },
    close: () => pool.end(),
  };
}

/**
 * A client of the pool for a few statements. The pool listens for a lost
 * connection only on its idle clients: one checked out whose server goes away
 * between two statements would emit an error nobody hears, and that kills the
 * process. The next statement fails instead, and a client whose connection
 * broke is closed rather than given back.
 */
async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const lost = (error: Error) => {
    broken = error;
  };
  client.on('error', lost);
  try {
    return await work(client);
  } catch (error) {
    if (isStorageUnreachable(error)) broken ??= error as Error;
    throw error;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}

/**
 * COPY through pg-copy-streams, the COPY protocol for node-postgres that pg
 * itself points to. Lines are sent in chunks of about 64 KB: one CopyData
 * message per line would cost more than the rows.
 */
async function copyLines(client: pg.ClientBase, sql: string, lines: Iterable<string>): Promise<number> {
  const sink = client.query(copyFromStdin(sql));
  await pipeline(Readable.from(chunked(lines)), sink);
  return sink.rowCount;
}

function* chunked(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

function toResult<Row>(result: pg.QueryResult): QueryResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
}
