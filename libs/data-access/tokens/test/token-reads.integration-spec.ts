import type Redis from 'ioredis';
import { Pool } from 'pg';
import { createTestDatabase, createTestRedis, spawnTs, type TestDatabase } from '@mdp/testing';
import { HOUR_MS, TokenMetricsCalculator, type ValidatedListing } from '@mdp/domain-velocity';
import { aValidatedListing } from '@mdp/domain-velocity/testing';
import { TokenCacheRepository, TokenStoreRepository } from '../src';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const MIN = 60_000;

function listing(
  cmcId: number,
  ts: number,
  volume: number,
  marketCap: number,
  change24h: number,
): ValidatedListing {
  return aValidatedListing(cmcId, ts, {
    volume24hUsd: volume,
    marketCapUsd: marketCap,
    percentChange24h: change24h,
  });
}

describe('token reads for the gateway (pages, one token, velocity history, cached JSON)', () => {
  let database: TestDatabase;
  let pool: Pool;
  let redis: Redis;

  beforeAll(async () => {
    database = await createTestDatabase('mdp_tokens');
    const migrate = spawnTs('tools/migrate/migrate.ts', {
      env: { DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
    });
    const code = await new Promise<number | null>((resolve) =>
      migrate.once('exit', (exitCode) => resolve(exitCode)),
    );
    if (code !== 0) throw new Error(`migrations failed (exit ${code})`);
    pool = new Pool({ connectionString: database.url, max: 2 });
    redis = await createTestRedis();
    // Token 1: 8 hourly samples with rising volume (velocity 0.1 .. 0.8); tokens 2 and 3: flat.
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 5 * MIN });
    const store = new TokenStoreRepository(pool);
    for (let i = 0; i < 8; i++) {
      const ts = T + i * HOUR_MS;
      const poll = [
        calculator.calculate(listing(1, ts, 100_000 * (i + 1), 1_000_000, 5), ts),
        calculator.calculate(listing(2, ts, 1_000_000, 50_000_000, -2), ts),
        calculator.calculate(listing(3, ts, 9_000_000, 10_000_000, 1), ts),
      ];
      calculator.commit(poll);
      await store.writePoll(poll);
    }
  }, 30_000);
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    await redis?.quit();
  });

  it('pages the latest metrics of active tokens by each sort, with the trend from the stored history', async () => {
    const store = new TokenStoreRepository(pool);
    const now = T + 7 * HOUR_MS + MIN;
    const ids = async (
      sort: Parameters<TokenStoreRepository['latestTokenPage']>[0],
      limit = 10,
      offset = 0,
    ) => (await store.latestTokenPage(sort, limit, offset, now, 5 * MIN)).map((s) => s.tokenId);
    expect(await ids('market_cap')).toEqual([2, 3, 1]);
    expect(await ids('volume_24h')).toEqual([3, 2, 1]);
    expect(await ids('velocity')).toEqual([3, 1, 2]);
    expect(await ids('percent_change_24h')).toEqual([1, 3, 2]);
    expect(await ids('market_cap', 1, 1)).toEqual([3]);
    expect(await ids('market_cap', 10, 3)).toEqual([]);
    const [one] = await store.latestTokenPage('velocity', 1, 1, now, 5 * MIN);
    expect(one).toMatchObject({
      tokenId: 1,
      cmcId: 1,
      name: 'Token 1',
      symbol: 'T1',
      slug: 'token-1',
      cmcRank: null,
      ts: T + 7 * HOUR_MS,
      priceUsd: 2,
      marketCapUsd: 1_000_000,
      volume24hUsd: 800_000,
      percentChange24h: 5,
      velocity: 0.8,
      trend: 'increasing',
      stale: false,
    });
    expect((await store.latestToken(2, now, 5 * MIN))!.trend).toBe('stable');
    expect((await store.latestToken(2, now + HOUR_MS, 5 * MIN))!.stale).toBe(true);
    expect(await store.latestToken(99, now, 5 * MIN)).toBeNull();
    await pool.query('UPDATE tokens SET is_active = FALSE WHERE id = 3');
    expect(await ids('market_cap')).toEqual([2, 1]);
    expect(await store.latestToken(3, now, 5 * MIN)).toBeNull();
    expect(await store.tokenExists(3)).toBe(true);
    expect(await store.tokenExists(99)).toBe(false);
    await pool.query('UPDATE tokens SET is_active = TRUE WHERE id = 3');
  });

  it('reads a velocity history by time range, oldest first, bounded', async () => {
    const store = new TokenStoreRepository(pool);
    const rows = await store.velocityHistory(1, T + HOUR_MS, T + 3 * HOUR_MS, 100);
    expect(rows.map((r) => [r.ts, r.velocity])).toEqual([
      [T + HOUR_MS, 0.2],
      [T + 2 * HOUR_MS, 0.3],
      [T + 3 * HOUR_MS, 0.4],
    ]);
    expect(rows[0]).toEqual({
      ts: T + HOUR_MS,
      velocity: 0.2,
      velocity_1h: rows[0]!.velocity_1h,
      velocity_4h: 0.15,
      velocity_12h: rows[0]!.velocity_12h,
      velocity_7d: rows[0]!.velocity_7d,
      price_usd: 2,
      market_cap_usd: 1_000_000,
      volume_24h_usd: 200_000,
      data_quality_score: rows[0]!.data_quality_score,
    });
    expect((await store.velocityHistory(1, 0, T * 2, 2)).map((r) => r.ts)).toEqual([T, T + HOUR_MS]);
    expect(await store.velocityHistory(99, 0, T * 2, 10)).toEqual([]);
  });

  it('returns cached JSON unchanged and the same JSON writeTokens and setList write', async () => {
    const store = new TokenStoreRepository(pool);
    const cache = new TokenCacheRepository(redis);
    const snapshot = (await store.latestToken(1, T + 7 * HOUR_MS, 5 * MIN))!;
    await cache.writeTokens([snapshot]);
    expect((await cache.getTokenBytes(1))!.toString()).toBe(TokenCacheRepository.tokenJson(snapshot));
    for (const timeframe of ['1h', '4h', '12h', '24h', '7d'] as const)
      expect((await cache.getVelocityBytes(1, timeframe))!.toString()).toBe(
        TokenCacheRepository.velocityJson(snapshot, timeframe),
      );
    expect(JSON.parse(TokenCacheRepository.velocityJson(snapshot, '4h'))).toEqual(
      await cache.getVelocity(1, '4h'),
    );
    const page = await store.latestTokenPage('market_cap', 2, 0, T, 5 * MIN);
    const json = await cache.setList('market_cap', 2, 0, page);
    expect((await cache.getListBytes('market_cap', 2, 0))!.toString()).toBe(json);
    expect(await cache.getListBytes('market_cap', 2, 1)).toBeNull();
    expect(await cache.getTokenBytes(99)).toBeNull();
  });
});
