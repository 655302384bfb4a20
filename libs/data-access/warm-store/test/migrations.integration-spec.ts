import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createLogger } from '@mdp/platform';
import { createTestDatabase, type TestDatabase } from '@mdp/testing';
import { MigrationError, MigrationRunner, PgClientSession, detectInstalledMode } from '../src';
import { DAY0, MIGRATIONS_DIR, candleRows, insertCandlesSql } from './warm-store-fixtures';

describe(`${MigrationRunner.name} on plain PostgreSQL`, () => {
  let database: TestDatabase;
  let client: Client;
  let directory: string;

  beforeEach(async () => {
    database = await createTestDatabase('warm_migrations');
    client = new Client({ connectionString: database.url });
    await client.connect();
    directory = mkdtempSync(path.join(tmpdir(), 'warm-migrations-'));
    cpSync(MIGRATIONS_DIR, directory, { recursive: true });
  });

  afterEach(async () => {
    await client.end();
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  const runner = (options: Partial<ConstructorParameters<typeof MigrationRunner>[1]> = {}) =>
    new MigrationRunner(new PgClientSession(client), {
      directory,
      logger: createLogger('warm-store-test', 'silent'),
      ...options,
    });
  const scalar = async <T>(sql: string, params: unknown[] = []): Promise<T> =>
    Object.values((await client.query(sql, params)).rows[0] as object)[0] as T;

  it('applies every migration from empty in postgres mode, with partitioned tables and candle views', async () => {
    const report = await runner().migrate();

    expect(report.mode).toBe('postgres');
    expect(report.applied.map((m) => [m.version, m.scripts])).toEqual([
      [1, ['V1__base_schema.sql']],
      [2, ['V2__add_hypertables.sql', 'V2__add_hypertables.postgres.sql']],
    ]);
    expect(report.currentVersion).toBe(2);
    const history = await client.query(
      'SELECT version, description, mode, length(checksum) AS len FROM warm_schema_history ORDER BY version',
    );
    expect(history.rows).toEqual([
      { version: 1, description: 'base_schema', mode: 'postgres', len: 64 },
      { version: 2, description: 'add_hypertables', mode: 'postgres', len: 64 },
    ]);
    const partitioned = await client.query(
      `SELECT relname FROM pg_class WHERE relkind = 'p' ORDER BY relname`,
    );
    expect(partitioned.rows.map((r: { relname: string }) => r.relname)).toEqual([
      'candles_1m',
      'flow_snapshots',
      'liquidation_signals',
      'liquidations',
      'token_metrics',
    ]);
    const views = await client.query(`SELECT matviewname FROM pg_matviews ORDER BY matviewname`);
    expect(views.rows.map((r: { matviewname: string }) => r.matviewname)).toEqual([
      'candles_15m',
      'candles_1d',
      'candles_1h',
      'candles_4h',
      'candles_5m',
    ]);
    const plain = await client.query(
      `SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname IN ('tokens', 'api_keys', 'rate_limiting', 'trading_decisions') ORDER BY relname`,
    );
    expect(plain.rows).toHaveLength(4);
    // The keys and indexes survived the rebuild into partitioned tables.
    const indexes = await client.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'token_metrics' ORDER BY indexname`,
    );
    expect(indexes.rows.map((r: { indexname: string }) => r.indexname)).toEqual([
      'idx_token_metrics_timestamp',
      'idx_token_metrics_velocity',
      'token_metrics_pkey',
    ]);
    expect(await detectInstalledMode(new PgClientSession(client))).toBe('postgres');
  });

  it('applies nothing on a second run', async () => {
    await runner().migrate();
    const again = await runner().migrate();
    expect(again.applied).toEqual([]);
    expect(again.currentVersion).toBe(2);
    expect(await scalar<string>('SELECT count(*)::text FROM warm_schema_history')).toBe('2');
  });

  it('refuses to run when an applied migration file was edited', async () => {
    await runner().migrate();
    const file = path.join(directory, 'V1__base_schema.sql');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n-- an innocent-looking edit\n');

    const error = await runner()
      .migrate()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('checksum_mismatch');
    expect((error as MigrationError).message).toContain(
      'V1__base_schema.sql was edited after it was applied',
    );
  });

  it('refuses a new migration numbered below an applied one', async () => {
    await runner().migrate();
    writeFileSync(path.join(directory, 'V4__later.sql'), 'CREATE TABLE later_table (id INTEGER);');
    expect((await runner().migrate()).applied.map((m) => m.version)).toEqual([4]);
    writeFileSync(path.join(directory, 'V3__forgotten.sql'), 'SELECT 1;');

    const error = await runner()
      .migrate()
      .catch((e: unknown) => e);

    expect((error as MigrationError).code).toBe('out_of_order');
    expect((error as MigrationError).message).toContain(
      'V3__forgotten is new but version 4 is already applied',
    );
  });

  it('refuses to switch a migrated database to the other mode', async () => {
    await runner().migrate();
    const error = await runner({ mode: 'timescaledb' })
      .migrate()
      .catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('mode_mismatch');
  });

  it('applies a version in one transaction: a failing file leaves neither its changes nor a history row', async () => {
    await runner().migrate();
    writeFileSync(
      path.join(directory, 'V3__broken.sql'),
      'CREATE TABLE half_done (id INTEGER);\nSELECT no_such_function();\n',
    );

    const error = await runner()
      .migrate()
      .catch((e: unknown) => e);

    expect((error as MigrationError).code).toBe('failed');
    expect((error as MigrationError).message).toContain('V3__broken.sql failed');
    expect(await scalar<boolean>(`SELECT to_regclass('half_done') IS NULL`)).toBe(true);
    expect(await scalar<number>('SELECT max(version) FROM warm_schema_history')).toBe(2);
  });

  it('creates monthly partitions, moves rows out of the default partition and drops partitions past retention', async () => {
    await runner().migrate();
    // Rows of November 2023 land in the default partition (no partition exists for that month yet).
    await client.query(insertCandlesSql(candleRows(DAY0, 3)));
    expect(await scalar<string>('SELECT count(*)::text FROM candles_1m_default')).toBe('6');

    const created = await client.query('SELECT action, target FROM warm_store_maintain($1) ORDER BY target', [
      new Date(DAY0),
    ]);
    expect(created.rows).toContainEqual({ action: 'created partition', target: 'candles_1m_p2023_11' });
    expect(await scalar<string>('SELECT count(*)::text FROM candles_1m_default')).toBe('0');
    expect(await scalar<string>('SELECT count(*)::text FROM candles_1m_p2023_11')).toBe('6');
    expect(await scalar<string>('SELECT count(*)::text FROM candles_1m')).toBe('6');

    // Thirteen months later the November 2023 candles are past candles_1m's one-year retention.
    const later = await client.query('SELECT action, target FROM warm_store_maintain($1)', [
      new Date(Date.UTC(2025, 0, 2)),
    ]);
    expect(later.rows).toContainEqual({ action: 'dropped expired partition', target: 'candles_1m_p2023_11' });
    expect(await scalar<string>('SELECT count(*)::text FROM candles_1m')).toBe('0');
    // liquidation_signals are kept forever: nothing of theirs is dropped.
    expect(
      later.rows.filter(
        (row: { target: string; action: string }) =>
          row.action !== 'created partition' && row.target.startsWith('liquidation_signals'),
      ),
    ).toEqual([]);
  });
});
