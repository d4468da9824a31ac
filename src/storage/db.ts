/**
 * The one small query interface every storage module speaks. Two engines sit
 * behind it: a PostgreSQL server through pg, and PGlite (PostgreSQL compiled to
 * WebAssembly) for the embedded demo. The same SQL runs on both, so nothing
 * above this file knows which one it has.
 */
export interface Queryable {
  /** One statement with $1-style parameters. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Several statements, no parameters: migrations. */
  exec(sql: string): Promise<void>;
}

export interface QueryResult<Row> {
  readonly rows: Row[];
  /** Rows inserted, updated or deleted (0 for a SELECT on PGlite). */
  readonly rowCount: number;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
