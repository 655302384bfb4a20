import { Client } from 'pg';
import { createLogger } from '@mdp/platform';
import { createTestDatabase, type TestDatabase } from '@mdp/testing';
import { TIMEFRAMES } from '@mdp/schemas';
import {
  CandleQueryRepository,
  CandleRepository,
  FlowSnapshotRepository,
  MigrationRunner,
  PgClientSession,
  detectInstalledMode,
  type MigrationReport,
  type StoredCandle,
} from '../src';
import { PgliteSession } from './pglite.session';
import { aFlowSnapshotNotice } from '@mdp/schemas/testing';
import type { CandleMessage } from '@mdp/schemas';
import {
  DAY0,
  MINUTE,
  MIGRATIONS_DIR,
  candleRows,
  insertCandlesSql,
  type CandleRow,
} from './warm-store-fixtures';

const asMessage = (r: CandleRow): CandleMessage => ({
  ...r,
  openTime: r.time,
  timeframe: '1m',
  closed: true,
});

const logger = createLogger('warm-store-test', 'silent');

/**
 * The TimescaleDB path, for real, in the in-process WASM build (PGlite with the extension), beside
 * the plain-PostgreSQL path on the local server: the same migrations, the same data, the same queries.
 */
describe('warm store on TimescaleDB (PGlite) and plain PostgreSQL', () => {
  let tsdb: PgliteSession;
  let database: TestDatabase;
  let pg: Client;
  let tsdbReport: MigrationReport;
  let pgReport: MigrationReport;

  beforeAll(async () => {
    tsdb = await PgliteSession.create();
    database = await createTestDatabase('warm_tsdb');
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    tsdbReport = await new MigrationRunner(tsdb, { directory: MIGRATIONS_DIR, logger }).migrate();
    pgReport = await new MigrationRunner(new PgClientSession(pg), {
      directory: MIGRATIONS_DIR,
      logger,
    }).migrate();
  }, 90_000);

  afterAll(async () => {
    await tsdb?.close();
    await pg?.end();
    await database?.drop();
  });

  it('applies every migration from empty in timescaledb mode', async () => {
    const report = tsdbReport;
    expect(report.mode).toBe('timescaledb');
    expect(report.applied.map((m) => [m.version, m.scripts])).toEqual([
      [1, ['V1__base_schema.sql']],
      [2, ['V2__add_hypertables.sql', 'V2__add_hypertables.timescaledb.sql']],
    ]);
    expect(await detectInstalledMode(tsdb)).toBe('timescaledb');
    expect(
      (await new MigrationRunner(tsdb, { directory: MIGRATIONS_DIR, logger }).migrate()).applied,
    ).toEqual([]);
  }, 60_000);

  it('makes every time-series table a hypertable partitioned by its time column, with compression enabled', async () => {
    const { rows } = await tsdb.query<{
      hypertable_name: string;
      column_name: string;
      compression_enabled: boolean;
      interval: string;
    }>(
      `SELECT h.hypertable_name, d.column_name, h.compression_enabled, d.time_interval::text AS interval
         FROM timescaledb_information.hypertables h
         JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)
        WHERE h.hypertable_name NOT LIKE '\\_materialized%'
        ORDER BY 1`,
    );
    expect(rows).toEqual([
      { hypertable_name: 'candles_1m', column_name: 'time', compression_enabled: true, interval: '1 day' },
      {
        hypertable_name: 'flow_snapshots',
        column_name: 'time',
        compression_enabled: true,
        interval: '1 day',
      },
      {
        hypertable_name: 'liquidation_signals',
        column_name: 'time',
        compression_enabled: true,
        interval: '7 days',
      },
      { hypertable_name: 'liquidations', column_name: 'time', compression_enabled: true, interval: '7 days' },
      {
        hypertable_name: 'token_metrics',
        column_name: 'timestamp',
        compression_enabled: true,
        interval: '7 days',
      },
    ]);
    const segments = await tsdb.query<{ attname: string }>(
      `SELECT attname FROM timescaledb_information.compression_settings WHERE hypertable_name = 'candles_1m' AND segmentby_column_index IS NOT NULL ORDER BY segmentby_column_index`,
    );
    expect(segments.rows.map((r) => r.attname)).toEqual(['symbol', 'exchange']);
  });

  it('has compression (24 h), retention and continuous-aggregate refresh policies', async () => {
    const { rows } = await tsdb.query<{
      proc_name: string;
      hypertable_name: string;
      config: Record<string, unknown>;
    }>(
      `SELECT proc_name, hypertable_name, config FROM timescaledb_information.jobs
        WHERE proc_name IN ('policy_compression', 'policy_retention', 'policy_refresh_continuous_aggregate')
        ORDER BY proc_name, hypertable_name`,
    );
    const policies = rows.map((r) => [
      r.proc_name,
      r.hypertable_name,
      r.config['compress_after'] ?? r.config['drop_after'] ?? r.config['start_offset'],
    ]);
    expect(policies).toEqual([
      ['policy_compression', 'candles_1m', '24:00:00'],
      ['policy_compression', 'flow_snapshots', '24:00:00'],
      ['policy_compression', 'liquidation_signals', '24:00:00'],
      ['policy_compression', 'liquidations', '24:00:00'],
      ['policy_compression', 'token_metrics', '24:00:00'],
      ['policy_refresh_continuous_aggregate', 'candles_15m', '2 days'],
      ['policy_refresh_continuous_aggregate', 'candles_1d', '7 days'],
      ['policy_refresh_continuous_aggregate', 'candles_1h', '3 days'],
      ['policy_refresh_continuous_aggregate', 'candles_4h', '4 days'],
      ['policy_refresh_continuous_aggregate', 'candles_5m', '2 days'],
      ['policy_retention', 'candles_15m', '3 years'],
      ['policy_retention', 'candles_1m', '1 year'],
      ['policy_retention', 'candles_5m', '2 years'],
      ['policy_retention', 'flow_snapshots', '180 days'],
      ['policy_retention', 'liquidations', '2 years'],
      ['policy_retention', 'token_metrics', '1 year'],
    ]);
    const aggregates = await tsdb.query<{ view_name: string; materialized_only: boolean }>(
      `SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY view_name`,
    );
    expect(aggregates.rows).toEqual(
      ['candles_15m', 'candles_1d', 'candles_1h', 'candles_4h', 'candles_5m'].map((view_name) => ({
        view_name,
        materialized_only: false,
      })),
    );
  });

  it('applies the same migrations to plain PostgreSQL', () => {
    expect(pgReport.mode).toBe('postgres');
    expect(pgReport.currentVersion).toBe(2);
  });

  it('answers the same candle queries with identical results on both, for every timeframe', async () => {
    // Three days of 1m candles for two symbols, starting at a UTC midnight.
    const rows = candleRows(DAY0, 3 * 24 * 60);
    for (let i = 0; i < rows.length; i += 2_000) {
      const sql = insertCandlesSql(rows.slice(i, i + 2_000));
      await tsdb.execScript(sql);
      await pg.query(sql);
    }
    // Materialize part of the TimescaleDB aggregates (the rest is served in real time from raw rows),
    // and refresh the PostgreSQL views as the writer does.
    for (const view of ['candles_5m', 'candles_1h', 'candles_1d']) {
      await tsdb.execScript(
        `CALL refresh_continuous_aggregate('${view}', '${new Date(DAY0).toISOString()}', '${new Date(DAY0 + 36 * 3_600_000).toISOString()}')`,
      );
    }
    await pg.query('SELECT warm_refresh_candle_views()');

    const onTsdb = new CandleQueryRepository(tsdb);
    const onPg = new CandleQueryRepository(new PgClientSession(pg));
    const from = DAY0 + 6 * 3_600_000 + 7 * MINUTE; // not aligned to any bucket
    const to = DAY0 + 2 * 86_400_000 + 13 * 3_600_000;
    const expectedCounts: Record<string, number> = {};
    for (const timeframe of TIMEFRAMES) {
      const a = await onTsdb.range(timeframe, 'BTC', 'all', from, to);
      const b = await onPg.range(timeframe, 'BTC', 'all', from, to);
      expect(a).toEqual(b);
      expectedCounts[timeframe] = a.length;
    }
    expect(expectedCounts).toEqual({ '1m': 3_293, '5m': 658, '15m': 219, '1h': 54, '4h': 14, '1d': 2 });

    // One hour checked by hand against its sixty 1m candles.
    const hour = DAY0 + 30 * 3_600_000;
    const minutes = rows.filter((r) => r.symbol === 'ETH' && r.time >= hour && r.time < hour + 3_600_000);
    const expected: StoredCandle = {
      symbol: 'ETH',
      exchange: 'all',
      openTime: hour,
      open: minutes[0]!.open,
      high: Math.max(...minutes.map((r) => r.high)),
      low: Math.min(...minutes.map((r) => r.low)),
      close: minutes[59]!.close,
      volume: minutes.reduce((sum, r) => sum + r.volume, 0),
      notionalUsd: minutes.reduce((sum, r) => sum + r.notionalUsd, 0),
      trades: minutes.reduce((sum, r) => sum + r.trades, 0),
      candles: 60,
    };
    expect(await onTsdb.range('1h', 'ETH', 'all', hour, hour + 3_600_000)).toEqual([expected]);
    expect(await onPg.range('1h', 'ETH', 'all', hour, hour + 3_600_000)).toEqual([expected]);
  }, 120_000);

  it('compresses chunks older than 24 h when the compression job runs, and still answers the same', async () => {
    const before = await new CandleQueryRepository(tsdb).range(
      '1h',
      'BTC',
      'all',
      DAY0,
      DAY0 + 3 * 86_400_000,
    );
    const job = await tsdb.query<{ job_id: number }>(
      `SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'candles_1m'`,
    );
    await tsdb.execScript(`CALL run_job(${job.rows[0]!.job_id})`);

    const chunks = await tsdb.query<{ is_compressed: boolean; n: number }>(
      `SELECT is_compressed, count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'candles_1m' GROUP BY 1 ORDER BY 1`,
    );
    expect(chunks.rows).toEqual([{ is_compressed: true, n: 3 }]);
    expect(
      await new CandleQueryRepository(tsdb).range('1h', 'BTC', 'all', DAY0, DAY0 + 3 * 86_400_000),
    ).toEqual(before);
  }, 60_000);

  it("writes idempotently into the hypertables with the writer's SQL, compressed chunks included", async () => {
    // 14 November is compressed by now: its rows again (a redelivery) and 30 new minutes of 17 November, two symbols.
    const old = candleRows(DAY0, 60).map(asMessage);
    const fresh = candleRows(DAY0 + 3 * 86_400_000, 30).map(asMessage);
    const first = CandleRepository.table.unnestQuery([...old, ...fresh]);
    expect((await tsdb.query(first.text, first.values)).rowCount).toBe(60);
    expect((await tsdb.query(first.text, first.values)).rowCount).toBe(0);
    const { rows } = await tsdb.query<{ n: number }>(`SELECT count(*)::int AS n FROM candles_1m`);
    expect(rows[0]!.n).toBe(3 * 24 * 60 * 2 + 60);

    // Flow snapshots: a later snapshot of an open window replaces the earlier one; a stale redelivery does not.
    const window = { coin: 'BTC', timeWindow: '5m' as const, timestamp: DAY0 };
    const early = {
      notice: aFlowSnapshotNotice({ ...window, final: false, totalTrades: 5, writtenAt: DAY0 + 60_000 }),
      json: '{"v":1}',
    };
    const final = {
      notice: aFlowSnapshotNotice({ ...window, final: true, totalTrades: 9, writtenAt: DAY0 + 300_000 }),
      json: '{"v":2}',
    };
    for (const [record, changed] of [
      [early, 1],
      [final, 1],
      [early, 0],
      [final, 0],
    ] as const) {
      const query = FlowSnapshotRepository.table.unnestQuery([record]);
      expect((await tsdb.query(query.text, query.values)).rowCount).toBe(changed);
    }
    const stored = await tsdb.query<{ final: boolean; total_trades: number; data: unknown }>(
      `SELECT final, total_trades, data FROM flow_snapshots`,
    );
    expect(stored.rows).toEqual([{ final: true, total_trades: 9, data: { v: 2 } }]);
  });

  it("takes the writer's binary COPY into the hypertable exactly; a batch meeting a stored row, compressed or not, fails on the key", async () => {
    const copy = (candles: CandleMessage[]) =>
      tsdb.copy(
        CandleRepository.table.copyFromSql(`'/dev/blob'`),
        Buffer.concat([...CandleRepository.table.copyBinary(candles)]),
      );
    const count = async () =>
      (await tsdb.query<{ n: number }>(`SELECT count(*)::int AS n FROM candles_1m`)).rows[0]!.n;
    const before = await count();
    // 18 November, new rows, with a millisecond in the time.
    const fresh = candleRows(DAY0 + 4 * 86_400_000 + 7, 10).map(asMessage);
    expect(await copy(fresh)).toBe(20);
    const stored = await tsdb.query<Record<string, unknown>>(
      `SELECT symbol, exchange, (EXTRACT(EPOCH FROM time) * 1000)::float8 AS "openTime", open, high, low, close,
              volume, notional_usd AS "notionalUsd", trades
         FROM candles_1m WHERE time >= to_timestamp($1::float8 / 1000) ORDER BY symbol, time`,
      [DAY0 + 4 * 86_400_000],
    );
    expect(stored.rows).toEqual(
      fresh.map(({ symbol, exchange, openTime, open, high, low, close, volume, notionalUsd, trades }) => ({
        symbol,
        exchange,
        openTime,
        open,
        high,
        low,
        close,
        volume,
        notionalUsd,
        trades,
      })),
    );
    // The `copy` method relies on this to fall back to INSERT ... ON CONFLICT: a redelivered batch fails
    // whole on the unique key, into an uncompressed chunk and into a compressed one (14 November).
    const compressed = await tsdb.query<{ is_compressed: boolean }>(
      `SELECT is_compressed FROM timescaledb_information.chunks
        WHERE hypertable_name = 'candles_1m' AND range_start <= to_timestamp($1::float8 / 1000) AND range_end > to_timestamp($1::float8 / 1000)`,
      [DAY0],
    );
    expect(compressed.rows).toEqual([{ is_compressed: true }]);
    for (const redelivered of [fresh, candleRows(DAY0, 5).map(asMessage)]) {
      const error = await copy(redelivered).then(
        () => null,
        (reason: unknown) => reason,
      );
      expect((error as { code?: string } | null)?.code).toBe('23505');
    }
    expect(await count()).toBe(before + 20);
  });

  it('excludes chunks and uses the key index for a candle range query (EXPLAIN, TimescaleDB)', async () => {
    const plan = await explain(
      tsdb,
      CandleQueryRepository.rangeSql('1m')
        .replace(/to_timestamp\(\$3::float8 \/ 1000.0\)/, `'2023-11-15T01:00:00Z'`)
        .replace(/to_timestamp\(\$4::float8 \/ 1000.0\)/, `'2023-11-15T03:00:00Z'`),
      ['BTC', 'all'],
    );
    // Only the chunk of 15 November is scanned, through the segment-by index of its compressed batches;
    // the chunks of 14 and 16 November are excluded.
    expect([...new Set(plan.match(/(?<!compress)_hyper_\d+_\d+_chunk/g))]).toHaveLength(1);
    expect(plan).toMatch(/Index Scan.* on compress_hyper_\d+_\d+_chunk/);
    expect(plan).toContain("Index Cond: ((symbol = 'BTC'::text) AND (exchange = 'all'::text)");
  });
});

async function explain(
  session: { query: PgliteSession['query'] },
  sql: string,
  params: unknown[],
): Promise<string> {
  const { rows } = await session.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}
