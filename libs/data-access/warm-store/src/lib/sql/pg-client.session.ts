import type { ClientBase } from 'pg';
import type { SqlSession } from './sql-session';

/** A SqlSession over one `pg` client (a Client, or a client checked out of a Pool). */
export class PgClientSession implements SqlSession {
  constructor(private readonly client: ClientBase) {}

  async query<T extends object = Record<string, unknown>>(
    text: string,
    params: readonly unknown[] = [],
  ): Promise<{ rows: T[]; rowCount: number }> {
    const result = await this.client.query<T>(text, params as unknown[]);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  async execScript(sql: string): Promise<void> {
    await this.client.query(sql);
  }
}
