import { Client, Pool } from 'pg';
import { createLogger } from '@mdp/platform';
import { aCandle, aFlowSnapshotNotice } from '@mdp/schemas/testing';
import { createTestDatabase, type TestDatabase } from '@mdp/testing';
import {
  BULK_METHODS,
  CandleRepository,
  FlowSnapshotRepository,
  MigrationRunner,
  PgClientSession,
  type BulkMethod,
  type FlowSnapshotRecord,
} from '../src';
import { MIGRATIONS_DIR } from './warm-store-fixtures';

const T0 = Date.UTC(2026, 0, 5);

describe('bulk writes into the warm store', () => {
  let database: TestDatabase;
  let client: Client;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('warm_bulk');
    client = new Client({ connectionString: database.url });
    await client.connect();
    await new MigrationRunner(new PgClientSession(client), {
      directory: MIGRATIONS_DIR,
      logger: createLogger('t', 'silent'),
    }).migrate();
    pool = new Pool({ connectionString: database.url, max: 3 });
  });

  afterAll(async () => {
    await pool.end();
    await client.end();
    await database.drop();
  });

  beforeEach(async () => {
    await client.query('TRUNCATE candles_1m, flow_snapshots');
  });

  const candles = (count: number, from = 0) =>
    Array.from({ length: count }, (_, i) =>
      aCandle({ symbol: `S${(from + i) % 7}`, openTime: T0 + (from + i) * 60_000, open: from + i }),
    );
  const count = async (table: string) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

  it.each(BULK_METHODS.map((method) => [method]))(
    '%s writes every new row once and skips rows already stored',
    async (method: BulkMethod) => {
      const repository = new CandleRepository(pool, { method, parallelism: 3 });
      expect(await repository.insert(candles(9_000))).toBe(9_000);
      // A redelivered batch overlapping what is stored, with a duplicate inside it too.
      const overlap = [...candles(2_000, 8_000), ...candles(1, 9_500)];
      expect(await repository.insert(overlap)).toBe(1_000);
      expect(await count('candles_1m')).toBe(10_000);
      const sums = await client.query<{ opens: number; distinct: string }>(
        `SELECT sum(open)::float8 AS opens, count(DISTINCT (symbol, exchange, time))::text AS distinct FROM candles_1m`,
      );
      expect(sums.rows[0]).toEqual({ opens: (9_999 * 10_000) / 2, distinct: '10000' });
    },
  );

  it.each(BULK_METHODS.map((method) => [method]))(
    '%s carries text with tabs, newlines, backslashes and quotes, JSON and NULL intact',
    async (method: BulkMethod) => {
      const repository = new FlowSnapshotRepository(pool, { method });
      const awkward = JSON.stringify({
        note: 'tab\there\nnew line \\ backslash "quoted" \u00e9 \u0001',
        nested: { list: [1, 2.5, null] },
      });
      const written = await repository.upsert([
        {
          notice: aFlowSnapshotNotice({ key: 'liquidity-flow:BTC:5m:1\t2', coin: 'BTC', timestamp: T0 }),
          json: awkward,
        },
        { notice: aFlowSnapshotNotice({ coin: 'ETH', timestamp: T0 }), json: null },
      ]);
      expect(written).toBe(2);
      const rows = await client.query<{ coin: string; redis_key: string; data: unknown }>(
        `SELECT coin, redis_key, data FROM flow_snapshots ORDER BY coin`,
      );
      expect(rows.rows).toEqual([
        { coin: 'BTC', redis_key: 'liquidity-flow:BTC:5m:1\t2', data: JSON.parse(awkward) as unknown },
        { coin: 'ETH', redis_key: 'liquidity-flow:BTC:5m:1699999800000', data: null },
      ]);
    },
  );

  it('carries every column type exactly in the binary COPY format (edge values, UTF-8, rows larger than a chunk)', async () => {
    const long = `${'x'.repeat(70_000)}\u00e9`;
    const record = (
      coin: string,
      timestamp: number,
      totalTrades: number,
      netFlow: number,
      json: string | null,
      final = true,
    ): FlowSnapshotRecord => ({
      notice: aFlowSnapshotNotice({
        coin,
        key: `key:${coin}`,
        timestamp,
        totalTrades,
        netFlow,
        final,
        writtenAt: timestamp + 1,
      }),
      json,
    });
    const records = [
      record('before-2000', Date.UTC(1999, 11, 31, 23, 59, 59, 999), -2_147_483_648, -0.1, '{"a":1}'),
      record('ms', T0 + 123, 2_147_483_647, 1.7976931348623157e308, null, false),
      record('tiny', Date.UTC(2100, 0, 1), 0, 5e-324, JSON.stringify({ emoji: '\u{1F680}', e: '\u00e9' })),
      record('\u{1F680} caf\u00e9', T0, 1, 3.5, JSON.stringify({ long })),
      record(long, T0, 2, -1e-300, '[]'),
    ];
    expect(await new FlowSnapshotRepository(pool, { method: 'copy' }).upsert(records)).toBe(5);
    const stored = await client.query<{
      coin: string;
      redis_key: string;
      ms: string;
      written: string;
      final: boolean;
      total_trades: number;
      net_flow: number;
      data: unknown;
    }>(
      `SELECT coin, redis_key, (EXTRACT(EPOCH FROM time) * 1000)::text AS ms, (EXTRACT(EPOCH FROM written_at) * 1000)::text AS written,
              final, total_trades, net_flow, data FROM flow_snapshots`,
    );
    const byCoin = new Map(stored.rows.map((row) => [row.coin, row]));
    for (const { notice, json } of records) {
      const row = byCoin.get(notice.coin)!;
      expect({
        key: row.redis_key,
        ms: Number(row.ms),
        written: Number(row.written),
        final: row.final,
        trades: row.total_trades,
        flow: row.net_flow,
        data: row.data,
      }).toEqual({
        key: notice.key,
        ms: notice.timestamp,
        written: notice.writtenAt,
        final: notice.final,
        trades: notice.totalTrades,
        flow: notice.netFlow,
        data: json === null ? null : (JSON.parse(json) as unknown),
      });
    }
  });

  it('a batch split over connections settles only when every slice has; a failed slice rejects the call and a retry stores every row exactly once', async () => {
    // One slice of the batch fails on the server (a disk-full error, transient) while the others commit.
    await client.query(`CREATE FUNCTION fail_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.symbol = 'FAIL' THEN RAISE EXCEPTION 'no space' USING ERRCODE = '53100'; END IF; RETURN NEW; END $$`);
    await client.query(
      `CREATE TRIGGER fail_marked BEFORE INSERT ON candles_1m FOR EACH ROW EXECUTE FUNCTION fail_marked()`,
    );
    try {
      const repository = new CandleRepository(pool, { method: 'copy', parallelism: 3 });
      const batch = candles(9_000);
      // Slices of 3,000: the marked row is in the middle one.
      batch[4_500] = { ...batch[4_500]!, symbol: 'FAIL' };
      const error = await repository.insert(batch).then(
        () => null,
        (reason: unknown) => reason,
      );
      expect((error as { code?: string } | null)?.code).toBe('53100');
      // At the rejection the other two slices are committed already (nothing still in flight).
      expect(await count('candles_1m')).toBe(6_000);
      const kept = await client.query<{ first: string; last: string }>(
        `SELECT min(open)::text AS first, max(open)::text AS last FROM candles_1m WHERE open >= 3000 AND open < 6000`,
      );
      expect(kept.rows[0]).toEqual({ first: null, last: null });

      // The fault clears; the same batch again (a redelivery) writes just the failed slice.
      await client.query('DROP TRIGGER fail_marked ON candles_1m');
      const fallbacks = CandleRepository.table.fallbacks;
      expect(await repository.insert(batch)).toBe(3_000);
      expect(CandleRepository.table.fallbacks).toBe(fallbacks + 2);
      const keys = await client.query<{ n: string; opens: number }>(
        `SELECT count(DISTINCT (symbol, exchange, time))::text AS n, sum(open)::float8 AS opens FROM candles_1m`,
      );
      expect(await count('candles_1m')).toBe(9_000);
      expect(keys.rows[0]).toEqual({ n: '9000', opens: (8_999 * 9_000) / 2 });
    } finally {
      await client.query('DROP TRIGGER IF EXISTS fail_marked ON candles_1m');
      await client.query('DROP FUNCTION IF EXISTS fail_marked()');
    }
  });
});
