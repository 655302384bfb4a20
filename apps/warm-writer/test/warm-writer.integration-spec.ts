import { gzipSync } from 'node:zlib';
import { COMPRESSED_PREFIX } from '@mdp/data-access-flow';
import path from 'node:path';
import type Redis from 'ioredis';
import { Client } from 'pg';
import {
  CandleStream,
  FlowSnapshotStream,
  LiquidationSignalStream,
  LiquidationStream,
  type CandleMessage,
  type FlowSnapshotNoticeMessage,
  type LiquidationMessage,
  type LiquidationSignalMessage,
} from '@mdp/schemas';
import { aCandle, aFlowSnapshotNotice, aLiquidation, aSignal } from '@mdp/schemas/testing';
import { createLogger, createRedisConnection } from '@mdp/platform';
import { StreamPublisher, decodeEntry } from '@mdp/transport';
import { CandleRepository, MigrationRunner, PgClientSession } from '@mdp/data-access-warm-store';
import {
  TcpProxy,
  WORKSPACE_ROOT,
  createTestDatabase,
  createTestRedis,
  testRedisUrl,
  waitFor,
  type TestDatabase,
} from '@mdp/testing';
import { startWriter, type RunningWriter } from './warm-writer.harness';

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const MINUTE = 60_000;

const candles = (count: number, from = 0, symbol = 'BTC'): CandleMessage[] =>
  Array.from({ length: count }, (_, i) =>
    aCandle({
      symbol,
      openTime: T0 + (from + i) * MINUTE,
      open: 100 + i,
      high: 110 + i,
      low: 90 + i,
      close: 105 + i,
      volume: 1.5,
      notionalUsd: 150,
      trades: 3,
    }),
  );
const liquidations = (count: number, from = 0): LiquidationMessage[] =>
  Array.from({ length: count }, (_, i) =>
    aLiquidation({
      eventId: `binance:BTCUSDT:${from + i}`,
      ts: T0 + (from + i) * 1_000,
      recvTs: T0 + (from + i) * 1_000 + 5,
    }),
  );
const signals = (count: number, from = 0): LiquidationSignalMessage[] =>
  Array.from({ length: count }, (_, i) =>
    aSignal({
      signalId: `signal:${from + i}`,
      liquidationEventId: `binance:BTCUSDT:${from + i}`,
      ts: T0 + (from + i) * 1_000,
    }),
  );
const snapshotKey = (coin: string, window: string, ts: number) => `liquidity-flow:${coin}:${window}:${ts}`;
const snapshotJson = (coin: string, ts: number, totalTrades: number) =>
  JSON.stringify({
    key: snapshotKey(coin, '5m', ts),
    coin,
    timeWindow: '5m',
    timestamp: ts,
    data: { nodes: [], metrics: { totalTrades }, timeSeries: [] },
    expiresAt: ts + 14_400_000,
  });

describe('warm writer (seed 004: hot data persists to the warm store)', () => {
  let database: TestDatabase;
  let pg: Client;
  let redis: Redis;
  let publisherConnection: Redis;
  let publisher: StreamPublisher;
  let writer: RunningWriter | null = null;
  let proxy: TcpProxy | null = null;

  beforeEach(async () => {
    database = await createTestDatabase('warm_writer');
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    await new MigrationRunner(new PgClientSession(pg), {
      directory: path.join(WORKSPACE_ROOT, 'migrations'),
      logger: createLogger('t', 'silent'),
    }).migrate();
    redis = await createTestRedis();
    publisherConnection = createRedisConnection(testRedisUrl()) as Redis;
    publisher = new StreamPublisher(publisherConnection, { maxEventsPerEntry: 50 });
  });

  afterEach(async () => {
    await writer?.close();
    writer = null;
    await proxy?.close();
    proxy = null;
    await publisher.close();
    publisherConnection.disconnect();
    await redis.quit();
    await pg.end();
    await database.drop();
  });

  const count = async (table: string): Promise<number> =>
    Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  const pending = async (stream: string): Promise<number> => {
    const summary = (await redis.xpending(stream, 'warm-writer')) as [number];
    return summary[0];
  };
  const allAcked = async () => {
    for (const stream of [CandleStream, LiquidationStream, LiquidationSignalStream, FlowSnapshotStream]) {
      if ((await pending(stream.stream)) !== 0) return false;
    }
    return true;
  };

  it('writes closed 1m candles, liquidations, signals and flow snapshots, each exactly once however often it is delivered', async () => {
    writer = await startWriter({ REDIS_URL: testRedisUrl(), DATABASE_URL: database.url });
    const ts1 = 1_767_614_400_000;
    const ts2 = ts1 + 300_000;
    await redis.set(snapshotKey('BTC', '5m', ts1), snapshotJson('BTC', ts1, 120), 'EX', 600);
    // Stored the way the flow aggregator stores large snapshots: gzip, base64, `gz:` prefix.
    const ethJson = snapshotJson('ETH', ts1, 7);
    await redis.set(
      snapshotKey('ETH', '5m', ts1),
      COMPRESSED_PREFIX + gzipSync(ethJson).toString('base64'),
      'EX',
      600,
    );
    const notices: FlowSnapshotNoticeMessage[] = [
      aFlowSnapshotNotice({
        key: snapshotKey('BTC', '5m', ts1),
        coin: 'BTC',
        timestamp: ts1,
        final: true,
        totalTrades: 120,
        writtenAt: ts1 + 300_000,
      }),
      aFlowSnapshotNotice({
        key: snapshotKey('ETH', '5m', ts1),
        coin: 'ETH',
        timestamp: ts1,
        final: false,
        totalTrades: 7,
        writtenAt: ts1 + 60_000,
      }),
      // Its key has already expired in Redis: recorded without data, and acknowledged.
      aFlowSnapshotNotice({
        key: snapshotKey('BTC', '5m', ts2),
        coin: 'BTC',
        timestamp: ts2,
        final: true,
        totalTrades: 3,
        writtenAt: ts2 + 300_000,
      }),
    ];
    const closed = candles(30);
    const ignored = [
      aCandle({ openTime: T0 + 40 * MINUTE, closed: false }),
      aCandle({ timeframe: '5m', openTime: T0 }),
    ];

    const publishAll = async () => {
      await publisher.publish(CandleStream, [...closed, ...ignored]);
      await publisher.publish(LiquidationStream, liquidations(25));
      await publisher.publish(LiquidationSignalStream, signals(10));
      await publisher.publish(FlowSnapshotStream, notices);
    };
    await publishAll();
    await waitFor(
      'all rows',
      async () =>
        (await count('candles_1m')) === 30 &&
        (await count('flow_snapshots')) === 3 &&
        (await count('liquidation_signals')) === 10 &&
        (await count('liquidations')) === 25,
    );
    await waitFor('acks', allAcked);

    // The same events again (a producer retry, a redelivery): nothing changes.
    await publishAll();
    await waitFor('the repeat to be consumed', allAcked);
    await waitFor(
      'the repeat to be acked',
      async () => (await redis.xlen(CandleStream.stream)) === 2 && (await allAcked()),
    );

    expect(await count('candles_1m')).toBe(30);
    expect(await count('liquidations')).toBe(25);
    expect(await count('liquidation_signals')).toBe(10);
    expect(await count('flow_snapshots')).toBe(3);
    const candle = await pg.query(
      `SELECT (extract(epoch FROM time) * 1000)::float8 AS t, symbol, exchange, open, high, low, close, volume, notional_usd, trades FROM candles_1m ORDER BY time LIMIT 1`,
    );
    expect(candle.rows[0]).toEqual({
      t: T0,
      symbol: 'BTC',
      exchange: 'all',
      open: 100,
      high: 110,
      low: 90,
      close: 105,
      volume: 1.5,
      notional_usd: 150,
      trades: 3,
    });
    const liquidation = await pg.query(
      `SELECT event_id, position_side, order_side, price, size, completeness, (extract(epoch FROM recv_time) * 1000)::float8 AS recv FROM liquidations ORDER BY time LIMIT 1`,
    );
    expect(liquidation.rows[0]).toEqual({
      event_id: 'binance:BTCUSDT:0',
      position_side: 'long',
      order_side: 'sell',
      price: 64_000,
      size: 1.5,
      completeness: 'sampled_1s',
      recv: T0 + 5,
    });
    const snapshots = await pg.query(
      `SELECT coin, final, total_trades, data->'data'->'metrics'->>'totalTrades' AS trades, data IS NULL AS expired FROM flow_snapshots ORDER BY time, coin`,
    );
    expect(snapshots.rows).toEqual([
      { coin: 'BTC', final: true, total_trades: 120, trades: '120', expired: false },
      { coin: 'ETH', final: false, total_trades: 7, trades: '7', expired: false },
      { coin: 'BTC', final: true, total_trades: 3, trades: null, expired: true },
    ]);

    // A later snapshot of the open ETH window replaces the earlier one; a final one then sticks.
    await redis.set(snapshotKey('ETH', '5m', ts1), snapshotJson('ETH', ts1, 42), 'EX', 600);
    await publisher.publish(FlowSnapshotStream, [
      aFlowSnapshotNotice({
        key: snapshotKey('ETH', '5m', ts1),
        coin: 'ETH',
        timestamp: ts1,
        final: true,
        totalTrades: 42,
        writtenAt: ts1 + 300_000,
      }),
    ]);
    await waitFor(
      'the final ETH snapshot',
      async () =>
        (await pg.query<{ final: boolean }>(`SELECT final FROM flow_snapshots WHERE coin = 'ETH'`)).rows[0]
          ?.final === true,
    );
    const eth = await pg.query(
      `SELECT total_trades, data->'data'->'metrics'->>'totalTrades' AS trades FROM flow_snapshots WHERE coin = 'ETH'`,
    );
    expect(eth.rows).toEqual([{ total_trades: 42, trades: '42' }]);

    const ready = await fetch(`${writer.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, { status: string }> }).checks).toMatchObject({
      redis: { status: 'up' },
      database: { status: 'up', schemaVersion: 2 },
      consumer: {
        status: 'up',
        group: 'warm-writer',
        streams: {
          [CandleStream.stream]: { lag: 0, pending: 0 },
          [FlowSnapshotStream.stream]: { lag: 0, pending: 0 },
        },
      },
    });
  });

  it('stores a version of an open window at most every WARM_FLOW_OPEN_INTERVAL_MS, and always the final one', async () => {
    writer = await startWriter({
      REDIS_URL: testRedisUrl(),
      DATABASE_URL: database.url,
      WARM_FLOW_OPEN_INTERVAL_MS: '10000',
    });
    const throttled = async () =>
      Number(
        /warm_writer_rows_total\{table="flow_snapshots",outcome="throttled"\} (\d+)/.exec(
          await (await fetch(`${writer!.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const throttledBefore = await throttled();
    const ts = 1_767_614_400_000;
    const key = snapshotKey('ETH', '5m', ts);
    const stored = async () =>
      (
        await pg.query<{ final: boolean; total_trades: number; trades: string; written: number }>(
          `SELECT final, total_trades, data->'data'->'metrics'->>'totalTrades' AS trades,
                  (extract(epoch FROM written_at) * 1000)::float8 AS written FROM flow_snapshots`,
        )
      ).rows;
    // The aggregator rewrites the key, then announces it; each notice is consumed before the next.
    const rewrite = async (totalTrades: number, writtenAt: number, final = false) => {
      await redis.set(key, snapshotJson('ETH', ts, totalTrades), 'EX', 600);
      await publisher.publish(FlowSnapshotStream, [
        aFlowSnapshotNotice({ key, coin: 'ETH', timestamp: ts, final, totalTrades, writtenAt }),
      ]);
      await waitFor('the notice to be acknowledged', async () => {
        const info = (await redis.xinfo('GROUPS', FlowSnapshotStream.stream)) as unknown[][];
        const group = info.find((fields) => fields[1] === 'warm-writer')!;
        return group[group.indexOf('lag') + 1] === 0 && (await pending(FlowSnapshotStream.stream)) === 0;
      });
    };

    await rewrite(1, ts + 1_000);
    expect(await stored()).toEqual([{ final: false, total_trades: 1, trades: '1', written: ts + 1_000 }]);
    await rewrite(2, ts + 5_000); // 4 s after the stored version: acknowledged, not stored
    await rewrite(3, ts + 10_999);
    expect(await stored()).toEqual([{ final: false, total_trades: 1, trades: '1', written: ts + 1_000 }]);
    await rewrite(4, ts + 11_000); // 10 s after: stored
    expect(await stored()).toEqual([{ final: false, total_trades: 4, trades: '4', written: ts + 11_000 }]);
    await rewrite(5, ts + 11_500, true); // the final one, however soon
    expect(await stored()).toEqual([{ final: true, total_trades: 5, trades: '5', written: ts + 11_500 }]);

    // The metrics registry is the process's: earlier tests' counts are in it too.
    expect((await throttled()) - throttledBefore).toBe(2);
  });

  it('holds the streams through a database outage and catches up afterwards, every row present exactly once', async () => {
    const target = new URL(database.url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const port = await proxy.start();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(port);
    writer = await startWriter(
      { REDIS_URL: testRedisUrl(), DATABASE_URL: viaProxy.toString(), DATABASE_CONNECT_TIMEOUT_MS: '2000' },
      { STREAM_CLAIM_IDLE_MS: 60_000 },
    );

    await publisher.publish(CandleStream, candles(200, 0));
    await publisher.publish(LiquidationStream, liquidations(100, 0));
    await waitFor(
      'the first events',
      async () => (await count('candles_1m')) === 200 && (await count('liquidations')) === 100,
      { timeoutMs: 20_000 },
    );

    proxy.cut();
    const waitsBefore = writer.stats().transientWaits;
    // Events keep arriving during the outage, some of them twice (a producer retry).
    await publisher.publish(CandleStream, candles(300, 200));
    await publisher.publish(LiquidationStream, liquidations(150, 100));
    await publisher.publish(LiquidationSignalStream, signals(80, 0));
    await publisher.publish(CandleStream, candles(50, 250));
    await waitFor('the writer to hit the outage', () => writer!.stats().transientWaits > waitsBefore + 2, {
      timeoutMs: 15_000,
    });
    const notReady = await fetch(`${writer.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(
      ((await notReady.json()) as { checks: Record<string, { status: string }> }).checks['database']!.status,
    ).toBe('down');
    // Nothing of the outage was acknowledged: the batch in hand is pending, the rest unread.
    expect(
      (await pending(CandleStream.stream)) +
        (await pending(LiquidationStream.stream)) +
        (await pending(LiquidationSignalStream.stream)),
    ).toBeGreaterThan(0);
    expect(await count('candles_1m')).toBe(200);
    expect(writer.stats().deadLettered).toBe(0);

    proxy.restore();
    await waitFor(
      'the writer to catch up',
      async () =>
        (await count('candles_1m')) === 500 &&
        (await count('liquidations')) === 250 &&
        (await count('liquidation_signals')) === 80,
      { timeoutMs: 30_000 },
    );
    await waitFor('every entry acknowledged', allAcked, { timeoutMs: 10_000 });

    const distinct = await pg.query<{ rows: string; keys: string; first: string; last: string }>(
      `SELECT count(*) AS rows, count(DISTINCT (symbol, exchange, time)) AS keys, min(open)::text AS first, max(time) = to_timestamp($1::float8 / 1000) AS last FROM candles_1m`,
      [T0 + 499 * MINUTE],
    );
    expect(distinct.rows[0]).toEqual({ rows: '500', keys: '500', first: '100', last: true });
    expect(await redis.xlen(CandleStream.deadLetterStream)).toBe(0);
    expect(await redis.xlen(LiquidationStream.deadLetterStream)).toBe(0);
    expect(writer.stats().deadLettered).toBe(0);
  }, 60_000);

  it('starts while the database is down, holds the streams, and writes everything once it answers', async () => {
    const target = new URL(database.url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.port = String(await proxy.start());
    proxy.cut();
    writer = await startWriter({
      REDIS_URL: testRedisUrl(),
      DATABASE_URL: viaProxy.toString(),
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
    });
    await publisher.publish(CandleStream, candles(120));
    await waitFor('the writer to hit the outage', () => writer!.stats().transientWaits > 2, {
      timeoutMs: 15_000,
    });
    expect((await fetch(`${writer.url}/health/ready`)).status).toBe(503);

    proxy.restore();
    await waitFor('the candles', async () => (await count('candles_1m')) === 120, { timeoutMs: 30_000 });
    await waitFor('every entry acknowledged', allAcked, { timeoutMs: 10_000 });
    expect((await fetch(`${writer.url}/health/ready`)).status).toBe(200);
    expect(writer.stats().deadLettered).toBe(0);
  }, 60_000);

  it('survives the server terminating its connections again and again, every row present exactly once', async () => {
    writer = await startWriter({ REDIS_URL: testRedisUrl(), DATABASE_URL: database.url });
    let terminating = true;
    let terminated = 0;
    const killer = (async () => {
      while (terminating) {
        const { rowCount } = await pg.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'warm-writer' AND pid <> pg_backend_pid()`,
          [database.name],
        );
        terminated += rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    })();
    for (let i = 0; i < 20; i++) {
      await publisher.publish(CandleStream, candles(100, i * 100));
      await publisher.publish(LiquidationStream, liquidations(25, i * 25));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor('some connections to be terminated', () => terminated >= 3, { timeoutMs: 15_000 });
    terminating = false;
    await killer;

    await waitFor(
      'the writer to catch up',
      async () => (await count('candles_1m')) === 2_000 && (await count('liquidations')) === 500,
      { timeoutMs: 30_000 },
    );
    await waitFor('every entry acknowledged', allAcked, { timeoutMs: 10_000 });
    const keys = await pg.query<{ n: string }>(
      `SELECT count(DISTINCT (symbol, exchange, time))::text AS n FROM candles_1m`,
    );
    expect(keys.rows[0]!.n).toBe('2000');
    expect(writer.stats().deadLettered).toBe(0);
  }, 60_000);

  it("when one of a batch's parallel COPYs fails, acknowledges only entries whose rows are committed, and stores every row exactly once after the fault", async () => {
    // Rows of symbol FAIL fail on the server with a disk-full error (transient: the writer holds the stream).
    await pg.query(`CREATE FUNCTION fail_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.symbol = 'FAIL' THEN RAISE EXCEPTION 'no space' USING ERRCODE = '53100'; END IF; RETURN NEW; END $$`);
    await pg.query(
      `CREATE TRIGGER fail_marked BEFORE INSERT ON candles_1m FOR EACH ROW EXECUTE FUNCTION fail_marked()`,
    );
    // 6,400 candles (row i at T0 + i minutes), published before the writer starts: each consumer's
    // first batch is 64 entries, thousands of rows, written as two COPYs at once. Row 4,000 fails.
    await publisher.publish(CandleStream, [
      ...candles(4_000, 0),
      ...candles(1, 4_000, 'FAIL'),
      ...candles(2_399, 4_001),
    ]);
    await publisher.flush();
    // The rows each entry carries, decoded as the writer decodes them.
    const entries = (await redis.xrangeBuffer(CandleStream.stream, '-', '+')).map(([id, fields]) => ({
      id: id.toString(),
      rows: (decodeEntry(fields).events as CandleMessage[]).map((candle) => (candle.openTime - T0) / MINUTE),
    }));
    expect(entries.flatMap((entry) => entry.rows)).toEqual(Array.from({ length: 6_400 }, (_, i) => i));
    const failing = entries.find((entry) => entry.rows.includes(4_000))!;
    const fallbacks = CandleRepository.table.fallbacks;
    writer = await startWriter(
      { REDIS_URL: testRedisUrl(), DATABASE_URL: database.url },
      { WARM_WRITE_PARALLELISM: 2, WARM_CONSUMERS: 2, STREAM_READ_COUNT: 64 },
    );
    await waitFor('the writer to hold the failing entry', () => writer!.stats().transientWaits > 4, {
      timeoutMs: 15_000,
    });
    // Acknowledged means committed: every acknowledged entry's 50 rows are stored; the failing
    // entry is pending, nothing was dead-lettered.
    const groupInfo = (await redis.xinfo('GROUPS', CandleStream.stream)) as unknown[][];
    const fields = groupInfo.find((group) => group[1] === 'warm-writer')!;
    const lastDelivered = fields[fields.indexOf('last-delivered-id') + 1] as string;
    const pendingIds = new Set(
      ((await redis.xpending(CandleStream.stream, 'warm-writer', '-', '+', 1_000)) as Array<[string]>).map(
        ([id]) => id,
      ),
    );
    const stored = new Set(
      (
        await pg.query<{ i: number }>(
          `SELECT ((EXTRACT(EPOCH FROM time) * 1000 - $1) / 60000)::int AS i FROM candles_1m`,
          [T0],
        )
      ).rows.map((row) => row.i),
    );
    const delivered = (id: string) => {
      const [ms, seq] = id.split('-').map(Number) as [number, number];
      const [lastMs, lastSeq] = lastDelivered.split('-').map(Number) as [number, number];
      return ms < lastMs || (ms === lastMs && seq <= lastSeq);
    };
    const acked = entries.filter((entry) => delivered(entry.id) && !pendingIds.has(entry.id));
    expect(pendingIds.has(failing.id)).toBe(true);
    expect(acked.length).toBeGreaterThan(0);
    for (const entry of acked) {
      expect({ entry: entry.id, missing: entry.rows.filter((row) => !stored.has(row)) }).toEqual({
        entry: entry.id,
        missing: [],
      });
    }
    expect(stored.has(4_000)).toBe(false);
    expect(stored.size).toBeLessThan(6_400);
    expect(writer.stats().deadLettered).toBe(0);

    await pg.query('DROP TRIGGER fail_marked ON candles_1m');
    await waitFor('every entry acknowledged', allAcked, { timeoutMs: 20_000 });
    const final = await pg.query<{ rows: string; keys: string; fail: string }>(
      `SELECT count(*)::text AS rows, count(DISTINCT (symbol, exchange, time))::text AS keys,
              count(*) FILTER (WHERE symbol = 'FAIL')::text AS fail FROM candles_1m`,
    );
    expect(final.rows[0]).toEqual({ rows: '6400', keys: '6400', fail: '1' });
    // The redelivered batch met the rows of its committed COPY and skipped them.
    expect(CandleRepository.table.fallbacks).toBeGreaterThan(fallbacks);
    expect(await redis.xlen(CandleStream.deadLetterStream)).toBe(0);
    expect(writer.stats().deadLettered).toBe(0);
  }, 60_000);

  it('refreshes the candle views in plain PostgreSQL mode', async () => {
    writer = await startWriter({
      REDIS_URL: testRedisUrl(),
      DATABASE_URL: database.url,
      WARM_MAINTENANCE_INTERVAL_MS: '100',
    });
    await publisher.publish(CandleStream, candles(15, 0));
    await waitFor('the 15m candle in its view', async () => (await count('candles_15m')) === 1, {
      timeoutMs: 10_000,
    });
    const row = await pg.query(
      `SELECT open, high, low, close, volume, trades::int AS trades, candles FROM candles_15m`,
    );
    expect(row.rows).toEqual([
      { open: 100, high: 124, low: 90, close: 119, volume: 22.5, trades: 45, candles: 15 },
    ]);
  });
});
