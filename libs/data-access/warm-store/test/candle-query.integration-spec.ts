import { Pool } from 'pg';
import type { TestDatabase } from '@mdp/testing';
import {
  CandleQueryRepository,
  PgClientSession,
  WarmStoreMaintenanceRepository,
  withPooledClient,
} from '../src';
import { createMigratedDatabase } from '../src/testing';
import { DAY0, MINUTE, candleRows, insertCandlesSql } from './warm-store-fixtures';

describe(`${CandleQueryRepository.name}.latest`, () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createMigratedDatabase('mdp_candles');
    pool = new Pool({ connectionString: database.url, max: 2 });
    await pool.query(insertCandlesSql(candleRows(DAY0, 120)));
    await new WarmStoreMaintenanceRepository(pool).refreshCandleViews();
  }, 30_000);
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const latest = (...args: Parameters<CandleQueryRepository['latest']>) =>
    withPooledClient(pool, (client) =>
      new CandleQueryRepository(new PgClientSession(client)).latest(...args),
    );

  it('returns the newest candles of a range, oldest first, from the 1m table and the aggregates', async () => {
    const ones = await latest('1m', 'BTC', 'all', DAY0, DAY0 + 60 * MINUTE, 3);
    expect(ones.map((c) => c.openTime)).toEqual([DAY0 + 57 * MINUTE, DAY0 + 58 * MINUTE, DAY0 + 59 * MINUTE]);
    expect(ones[0]).toEqual({
      symbol: 'BTC',
      exchange: 'all',
      openTime: DAY0 + 57 * MINUTE,
      open: 1_000 + ((57 * 7) % 50),
      high: 1_000 + ((57 * 7) % 50) + 3.5,
      low: 1_000 + ((57 * 7) % 50) - 2.25,
      close: 1_000 + ((57 * 7) % 50) + ((57 % 5) - 2) * 0.75,
      volume: 1 + (57 % 9) * 0.25,
      notionalUsd: (1_000 + ((57 * 7) % 50)) * 4,
      trades: 10 + (57 % 13),
      candles: 1,
    });
    const fives = await latest('5m', 'BTC', 'all', DAY0, DAY0 + 120 * MINUTE, 100);
    expect(fives).toHaveLength(24);
    expect(fives[0]!.openTime).toBe(DAY0);
    expect(fives[0]!.candles).toBe(5);
    expect(fives[0]!.volume).toBe([0, 1, 2, 3, 4].reduce((sum, m) => sum + 1 + (m % 9) * 0.25, 0));
    const hours = await latest('1h', 'ETH', 'all', DAY0, DAY0 + 24 * 60 * MINUTE, 10);
    expect(hours.map((c) => [c.openTime, c.candles])).toEqual([
      [DAY0, 60],
      [DAY0 + 60 * MINUTE, 60],
    ]);
    expect(await latest('1m', 'SOL', 'all', DAY0, DAY0 + 60 * MINUTE, 10)).toEqual([]);
  });
});
