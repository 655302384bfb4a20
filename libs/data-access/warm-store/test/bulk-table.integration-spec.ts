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
});
