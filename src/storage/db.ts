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
  /**
   * `COPY ... FROM STDIN` (text format) fed with `lines`, each one row ending in
   * a newline; resolves to the rows copied. Bulk loads stream this way at a
   * fraction of an INSERT's cost per row. Absent where the engine has no COPY
   * from the client (PGlite): callers fall back to INSERT.
   */
  copyFrom?(sql: string, lines: Iterable<string>): Promise<number>;
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
