/**
 * The little the migration runner and the read repositories need from a database connection, so
 * the same code runs on a `pg` client (PostgreSQL, TimescaleDB) and on an in-process PGlite.
 */
export interface SqlSession {
  /** One statement with `$n` parameters. */
  query<T extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: T[]; rowCount: number }>;
  /** A script of several statements, no parameters (the simple query protocol). */
  execScript(sql: string): Promise<void>;
}
