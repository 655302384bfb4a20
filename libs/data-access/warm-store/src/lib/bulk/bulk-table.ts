import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ClientBase, Pool } from 'pg';
import { withPooledClient } from '../sql/with-pooled-client';
import { from as copyFrom } from 'pg-copy-streams';
import { copyBinaryChunks, type CopyBinaryType } from './copy-binary.util';

/** Column types the bulk writer sends; `timestamptz` values are epoch milliseconds. */
export type BulkColumnType = CopyBinaryType;
export type BulkValue = string | number | boolean | null;

export interface BulkColumn<R> {
  name: string;
  type: BulkColumnType;
  value: (row: R) => BulkValue;
}

/**
 * How a batch reaches the table; every method is idempotent (a row already there is not doubled):
 * - `copy`: COPY straight into the table. A batch with a row that is already stored (a redelivery)
 *   fails as a whole on the unique key, changing nothing, and is then written by `staged-copy`.
 *   New rows, the normal case, go at raw COPY speed.
 * - `staged-copy`: COPY into a per-connection temp table, then INSERT ... SELECT ... ON CONFLICT.
 * - `unnest`: INSERT ... SELECT FROM unnest($1::type[], ...) ON CONFLICT ... (one statement).
 */
export type BulkMethod = 'copy' | 'staged-copy' | 'unnest';
export const BULK_METHODS = ['copy', 'staged-copy', 'unnest'] as const;

const UNIQUE_VIOLATION = '23505';
/** Below this many rows per slice a batch is not split across connections. */
const MIN_SLICE_ROWS = 2_000;

export interface BulkWriteOptions {
  method: BulkMethod;
  /** Most connections one batch is written over at once (default 1). */
  parallelism?: number;
}

const ARRAY_TYPE: Record<BulkColumnType, string> = {
  timestamptz: 'float8[]',
  text: 'text[]',
  float8: 'float8[]',
  int4: 'int4[]',
  bool: 'bool[]',
  jsonb: 'text[]',
};

/** Writes batches of rows into one table, with the table's conflict rule (ON CONFLICT ...). */
export class BulkTable<R> {
  private readonly unnestSql: string;
  private readonly stageTable: string;
  private readonly copySql: string;
  private readonly directCopySql: string;
  private readonly mergeSql: string;
  private readonly staged = new WeakSet<ClientBase>();
  private readonly names: string;

  constructor(
    readonly table: string,
    private readonly columns: readonly BulkColumn<R>[],
    /** e.g. `ON CONFLICT DO NOTHING`, or `ON CONFLICT (key) DO UPDATE SET ... WHERE ...`. */
    onConflict: string,
  ) {
    const names = columns.map((column) => quote(column.name)).join(', ');
    const params = columns.map((column, i) => `$${i + 1}::${ARRAY_TYPE[column.type]}`).join(', ');
    const aliases = columns.map((_, i) => `c${i}`).join(', ');
    const selected = columns
      .map((column, i) =>
        column.type === 'timestamptz'
          ? `to_timestamp(c${i} / 1000.0)`
          : column.type === 'jsonb'
            ? `c${i}::jsonb`
            : `c${i}`,
      )
      .join(', ');
    this.unnestSql = `INSERT INTO ${quote(table)} AS target (${names}) SELECT ${selected} FROM unnest(${params}) AS u(${aliases}) ${onConflict}`;
    this.stageTable = `warm_stage_${table}`;
    this.names = names;
    this.copySql = `COPY ${quote(this.stageTable)} (${names}) FROM STDIN (FORMAT binary)`;
    this.directCopySql = this.copyFromSql('STDIN');
    this.mergeSql = `INSERT INTO ${quote(table)} AS target (${names}) SELECT ${names} FROM ${quote(this.stageTable)} ${onConflict}`;
  }

  /** Writes the rows; returns how many rows were inserted or updated (duplicates are skipped). */
  async write(client: ClientBase, rows: readonly R[], method: BulkMethod): Promise<number> {
    if (rows.length === 0) return 0;
    switch (method) {
      case 'copy':
        return this.writeDirectCopy(client, rows);
      case 'staged-copy':
        return this.writeStagedCopy(client, rows);
      case 'unnest':
        return this.writeUnnest(client, rows);
    }
  }

  /**
   * Writes the rows over up to `parallelism` pooled connections at once (slices of the batch, each
   * COPY committing on its own), so the database spends more than one core on a large batch. Each
   * slice is idempotent on its own. The call settles only when every slice has: it resolves when all
   * committed, else rejects with the first failure (in slice order) after the others have finished,
   * so a caller that acknowledges on success never acknowledges rows of a failed slice, and a retry
   * of the whole batch never races a slice still in flight (the committed slices' rows are skipped
   * as duplicates then).
   */
  async writePooled(pool: Pool, rows: readonly R[], options: BulkWriteOptions): Promise<number> {
    if (rows.length === 0) return 0;
    const slices = Math.max(1, Math.min(options.parallelism ?? 1, Math.ceil(rows.length / MIN_SLICE_ROWS)));
    if (slices === 1) return withPooledClient(pool, (client) => this.write(client, rows, options.method));
    const size = Math.ceil(rows.length / slices);
    const outcomes = await Promise.allSettled(
      Array.from({ length: slices }, (_, i) =>
        withPooledClient(pool, (client) =>
          this.write(client, rows.slice(i * size, (i + 1) * size), options.method),
        ),
      ),
    );
    let written = 0;
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') throw outcome.reason;
      written += outcome.value;
    }
    return written;
  }

  /** How many batches met a row already stored and took the staged path (since start). */
  fallbacks = 0;

  private async writeDirectCopy(client: ClientBase, rows: readonly R[]): Promise<number> {
    try {
      await pipeline(Readable.from(this.copyBinary(rows)), client.query(copyFrom(this.directCopySql)));
      return rows.length;
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      this.fallbacks += 1;
      return this.writeStagedCopy(client, rows);
    }
  }

  /** The `unnest` statement for the rows: one parameter array per column (any PostgreSQL client can run it). */
  unnestQuery(rows: readonly R[]): { text: string; values: BulkValue[][] } {
    return {
      text: this.unnestSql,
      values: this.columns.map((column) => rows.map((row) => column.value(row))),
    };
  }

  private async writeUnnest(client: ClientBase, rows: readonly R[]): Promise<number> {
    const { text, values } = this.unnestQuery(rows);
    const result = await client.query(text, values);
    return result.rowCount ?? 0;
  }

  private async writeStagedCopy(client: ClientBase, rows: readonly R[]): Promise<number> {
    await client.query('BEGIN');
    try {
      const created = !this.staged.has(client);
      if (created) {
        await client.query(
          `CREATE TEMP TABLE IF NOT EXISTS ${quote(this.stageTable)} (LIKE ${quote(this.table)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
        );
      }
      await pipeline(Readable.from(this.copyBinary(rows)), client.query(copyFrom(this.copySql)));
      const result = await client.query(this.mergeSql);
      await client.query('COMMIT');
      if (created) this.staged.add(client);
      return result.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * The `copy` method's statement: binary COPY of the columns into the table from `source` (`STDIN`
   * here; a server-side file such as PGlite's `'/dev/blob'` in the TimescaleDB tests).
   */
  copyFromSql(source: string): string {
    return `COPY ${quote(this.table)} (${this.names}) FROM ${source} (FORMAT binary)`;
  }

  /** The rows in binary COPY format (what `copy` and `staged-copy` send), in chunks of about 64 KiB. */
  copyBinary(rows: readonly R[]): Generator<Buffer> {
    return copyBinaryChunks(this.columns, rows);
  }

  /** The rows in COPY text format (tab-separated; what psql's `\copy` reads), in chunks of about 64 KiB. */
  *copyText(rows: readonly R[]): Generator<string> {
    let chunk = '';
    for (const row of rows) {
      let line = '';
      for (let i = 0; i < this.columns.length; i++) {
        const column = this.columns[i]!;
        if (i > 0) line += '\t';
        line += copyField(column.type, column.value(row));
      }
      chunk += line + '\n';
      if (chunk.length >= 65_536) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk.length > 0) yield chunk;
  }
}

function copyField(type: BulkColumnType, value: BulkValue): string {
  if (value === null) return '\\N';
  switch (type) {
    case 'timestamptz':
      return new Date(value as number).toISOString();
    case 'bool':
      return value ? 't' : 'f';
    case 'float8':
    case 'int4':
      return String(value);
    case 'text':
    case 'jsonb':
      return String(value).replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      );
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
