import type Redis from 'ioredis';
import { Pool } from 'pg';
import { createTestDatabase, createTestRedis, spawnTs, waitFor, type TestDatabase } from '@mdp/testing';
import {
  HOUR_MS,
  TokenMetricsCalculator,
  VelocityHistory,
  type ValidatedListing,
} from '@mdp/domain-velocity';
import { aValidatedListing } from '@mdp/domain-velocity/testing';
import {
  TOKEN_LISTS_INVALIDATED_CHANNEL,
  TokenCacheRepository,
  TokenStoreRepository,
  type TokenSnapshot,
} from '../src';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const MIN = 60_000;

function listing(cmcId: number, ts: number, volume: number, marketCap = 1_000_000): ValidatedListing {
  return aValidatedListing(cmcId, ts, { volume24hUsd: volume, marketCapUsd: marketCap });
}

function snapshot(tokenId: number, velocity: number): TokenSnapshot {
  return {
    tokenId,
    cmcId: tokenId,
    name: `Token ${tokenId}`,
    symbol: `T${tokenId}`,
    slug: `token-${tokenId}`,
    cmcRank: tokenId,
    ts: T,
    priceUsd: 2,
    marketCapUsd: 1_000_000,
    volume24hUsd: velocity * 1_000_000,
    percentChange1h: null,
    percentChange24h: 1,
    percentChange7d: null,
    velocity,
    velocity1h: 0.1,
    velocity4h: 0.2,
    velocity12h: 0.3,
    velocity7d: 0.4,
    trend: 'stable',
    dataQualityScore: 0.95,
    stale: false,
  };
}

describe(TokenCacheRepository.name, () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await createTestRedis();
  });
  afterAll(() => redis.quit());

  it('writes token:{id} (60 s) and velocity:{id}:{timeframe} (300 s) with each timeframe its own velocity', async () => {
    const cache = new TokenCacheRepository(redis);
    expect(await cache.writeTokens([snapshot(5, 0.05), snapshot(6, 0.06)])).toBe(12);
    expect(await cache.getToken(5)).toEqual({
      id: 5,
      cmc_id: 5,
      name: 'Token 5',
      symbol: 'T5',
      slug: 'token-5',
      rank: 5,
      price: 2,
      market_cap: 1_000_000,
      volume_24h: 50_000,
      percent_change_1h: null,
      percent_change_24h: 1,
      percent_change_7d: null,
      velocity: 0.05,
      trend: 'stable',
      data_quality_score: 0.95,
      last_updated: '2026-01-10T12:00:00.000Z',
      stale: false,
    });
    const velocities = await Promise.all(
      (['1h', '4h', '12h', '24h', '7d'] as const).map(
        async (tf) => (await cache.getVelocity(6, tf))!.velocity,
      ),
    );
    expect(velocities).toEqual([0.1, 0.2, 0.3, 0.06, 0.4]);
    expect(await cache.getVelocity(6, '4h')).toEqual({
      token_id: 6,
      timeframe: '4h',
      velocity: 0.2,
      velocity_1h: 0.1,
      velocity_4h: 0.2,
      velocity_12h: 0.3,
      velocity_24h: 0.06,
      velocity_7d: 0.4,
      trend: 'stable',
      data_quality_score: 0.95,
      stale: false,
      calculated_at: '2026-01-10T12:00:00.000Z',
    });
    expect(await redis.ttl('token:6')).toBeGreaterThanOrEqual(59);
    expect(await redis.ttl('velocity:6:7d')).toBeGreaterThanOrEqual(299);
  });

  it('invalidates exactly the list keys it wrote, and announces each invalidation', async () => {
    const subscriber = redis.duplicate();
    const announced: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => announced.push(message));
    await subscriber.subscribe(TOKEN_LISTS_INVALIDATED_CHANNEL);
    const cache = new TokenCacheRepository(redis);
    await cache.setList('market_cap', 2, 0, [snapshot(5, 0.05), snapshot(6, 0.06)]);
    await cache.setList('velocity', 10, 20, []);
    await redis.set('tokens:other', 'kept');
    expect((await cache.getList('market_cap', 2, 0))!.map((s) => s.id)).toEqual([5, 6]);
    expect(await redis.ttl('tokens:list:velocity:10:20')).toBeGreaterThanOrEqual(299);
    expect(await cache.invalidateLists()).toBe(2);
    expect(await cache.getList('market_cap', 2, 0)).toBeNull();
    expect(await redis.exists('tokens:list:velocity:10:20', 'tokens:lists')).toBe(0);
    expect(await redis.get('tokens:other')).toBe('kept');
    expect(await cache.invalidateLists()).toBe(0);
    await waitFor('both announcements', () => announced.length === 2);
    expect(announced).toEqual(['2', '0']);
    subscriber.disconnect();
  });
});

describe(TokenStoreRepository.name, () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('mdp_tokens');
    // The migration command (tools/migrate), as deployments run it: this library may not import the warm store's.
    const migrate = spawnTs('tools/migrate/migrate.ts', {
      env: { DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
    });
    const code = await new Promise<number | null>((resolve) =>
      migrate.once('exit', (exitCode) => resolve(exitCode)),
    );
    if (code !== 0) throw new Error(`migrations failed (exit ${code})`);
    pool = new Pool({ connectionString: database.url, max: 2 });
  }, 30_000);
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('stores polls, skips repeated rows, reads the history back and the latest top tokens', async () => {
    const store = new TokenStoreRepository(pool);
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 5 * MIN });
    // token 1: three samples an hour apart, velocities 0.1, 0.2, 0.3; token 2: velocity over the cap
    const polls = [0, 1, 2].map((i) => {
      const poll = [
        calculator.calculate(listing(1, T + i * HOUR_MS, 100_000 * (i + 1)), T + i * HOUR_MS),
        calculator.calculate(listing(2, T + i * HOUR_MS, 500_000_000, 1_000_000), T + i * HOUR_MS),
      ];
      calculator.commit(poll);
      return poll;
    });
    expect(await store.writePoll(polls[0]!)).toEqual({ tokens: 2, metrics: 2 });
    expect(await store.writePoll(polls[1]!)).toEqual({ tokens: 0, metrics: 2 }); // tokens unchanged: not rewritten
    expect(await store.writePoll(polls[2]!)).toEqual({ tokens: 0, metrics: 2 });
    // a new repository (a restart) meets rows already stored: COPY conflicts, the insert skips them
    expect(await new TokenStoreRepository(pool).writePoll(polls[2]!)).toEqual({ tokens: 0, metrics: 0 });
    const stored = await pool.query<{ velocity: string; velocity_4h: string }>(
      'SELECT velocity, velocity_4h FROM token_metrics WHERE token_id = $1 ORDER BY "timestamp"',
      [1],
    );
    expect(stored.rows).toEqual([
      { velocity: '0.10000000', velocity_4h: '0.10000000' },
      { velocity: '0.20000000', velocity_4h: '0.15000000' },
      { velocity: '0.30000000', velocity_4h: '0.20000000' },
    ]);
    const capped = await pool.query<{ velocity: string }>(
      'SELECT velocity FROM token_metrics WHERE token_id = 2 LIMIT 1',
    );
    expect(capped.rows[0]!.velocity).toBe('99.99999999'); // 500 capped at 100, stored at the column's maximum

    const history = new VelocityHistory();
    expect(await store.loadHistory(history, T + 2 * HOUR_MS + MIN)).toEqual({ samples: 6, hours: 0 });
    expect(history.previousVelocities(1, T + 3 * HOUR_MS, 6)).toEqual([0.1, 0.2, 0.3]);

    const top = await store.latestTopTokens(10, T + 2 * HOUR_MS + 10 * MIN, 5 * MIN, () => 'stable');
    expect(top.map((s) => [s.tokenId, s.velocity, s.velocity4h, s.stale])).toEqual([
      [1, 0.3, 0.2, true],
      [2, 99.99999999, 99.99999999, true],
    ]);
  });
});
