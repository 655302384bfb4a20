import { HOUR_MS, TokenMetricsCalculator, type ValidatedListing } from '@mdp/domain-velocity';
import { aValidatedListing } from '@mdp/domain-velocity/testing';
import { TokenStoreRepository } from '@mdp/data-access-tokens';
import { startGateway, type GatewayHarness } from './gateway.harness';

// The latest quote is at least an hour old: stale (the freshness limit is 5 minutes).
const HOUR0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 8 * HOUR_MS;
const LATEST = HOUR0 + 7 * HOUR_MS;
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

describe('gateway tokens and velocity (seed 003)', () => {
  let gateway: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    // The Redis caches of seed 003 are under test (keys written and deleted behind the gateway's
    // back): nothing kept in the process (answer-cache.integration-spec.ts tests that layer).
    gateway = await startGateway({ env: { ANSWER_CACHE_TTL_MS: '0' } });
    key = await gateway.createKey();
    // Token 1: 8 hourly quotes, velocity rising 0.1 .. 0.8; token 2 large and flat; token 3 busy and flat.
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 5 * MIN });
    const store = new TokenStoreRepository(gateway.sql);
    for (let i = 0; i < 8; i++) {
      const ts = HOUR0 + i * HOUR_MS;
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
    await gateway?.close();
  });
  beforeEach(async () => {
    const keys = await gateway.redis.keys('token*');
    const more = await gateway.redis.keys('velocity:*');
    if (keys.length + more.length > 0) await gateway.redis.del(...keys, ...more);
  });

  const get = (path: string) => gateway.request(path, { key });

  it('lists tokens by each sort from the warm store on a miss, caches the page for 300 s, then serves the cache', async () => {
    const response = await get('/api/tokens');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    expect(await gateway.redis.get('tokens:list:market_cap:100:0')).toBe(text);
    const ttl = await gateway.redis.ttl('tokens:list:market_cap:100:0');
    expect(ttl).toBeGreaterThan(295);
    expect(ttl).toBeLessThanOrEqual(300);
    expect(await gateway.redis.smembers('tokens:lists')).toEqual(['tokens:list:market_cap:100:0']);
    const body = JSON.parse(text) as Array<Record<string, unknown>>;
    expect(body.map((t) => t['id'])).toEqual([2, 3, 1]);
    expect(body[2]).toEqual({
      id: 1,
      symbol: 'T1',
      name: 'Token 1',
      rank: null,
      price: 2,
      market_cap: 1_000_000,
      volume_24h: 800_000,
      percent_change_24h: 5,
      velocity: 0.8,
      trend: 'increasing',
      last_updated: new Date(LATEST).toISOString(),
      stale: true,
    });
    const ids = async (query: string) =>
      ((await (await get(`/api/tokens?${query}`)).json()) as Array<{ id: number }>).map((t) => t.id);
    expect(await ids('sort=volume_24h')).toEqual([3, 2, 1]);
    expect(await ids('sort=velocity&limit=2')).toEqual([3, 1]);
    expect(await ids('sort=percent_change_24h&limit=2&offset=1')).toEqual([3, 2]);
    expect(await ids('sort=market_cap&limit=5&offset=3')).toEqual([]);
    expect(await gateway.redis.exists('tokens:list:velocity:2:0', 'tokens:list:percent_change_24h:2:1')).toBe(
      2,
    );
    // A hit answers the cached bytes without reading the warm store.
    await gateway.redis.set('tokens:list:market_cap:100:0', '[{"id":42}]', 'EX', 300);
    expect(await (await get('/api/tokens?sort=market_cap&limit=100&offset=0')).text()).toBe('[{"id":42}]');
  });

  it('refuses bad list parameters with 400 naming the parameter, and caches nothing', async () => {
    const cases: Array<[string, RegExp]> = [
      ['sort=price', /^sort must be one of market_cap, volume_24h, velocity, percent_change_24h$/],
      ['limit=0', /^limit must not be less than 1$/],
      ['limit=501', /^limit must not be greater than 500$/],
      ['limit=abc', /^limit must be an integer number$/],
      ['limit=', /^limit must be an integer number$/],
      ['offset=-1', /^offset must be an integer number$/],
      ['offset=10001', /^offset must not be greater than 10000$/],
      ['page=2', /^property page should not exist$/],
    ];
    for (const [query, reason] of cases) {
      const response = await get(`/api/tokens?${query}`);
      expect(response.status).toBe(400);
      const { message } = (await response.json()) as { message: string[] };
      expect(message.some((m) => reason.test(m))).toBe(true);
    }
    expect(await gateway.redis.keys('tokens:*')).toEqual([]);
  });

  it('answers one token from token:{id}, refilling it from the warm store on a miss; 404 for an unknown token', async () => {
    const response = await get('/api/tokens/1');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(await gateway.redis.get('token:1')).toBe(text);
    expect(await gateway.redis.ttl('token:1')).toBeGreaterThan(55);
    expect(await gateway.redis.ttl('velocity:1:24h')).toBeGreaterThan(295);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).toEqual({
      id: 1,
      cmc_id: 1,
      name: 'Token 1',
      symbol: 'T1',
      slug: 'token-1',
      rank: null,
      price: 2,
      market_cap: 1_000_000,
      volume_24h: 800_000,
      percent_change_1h: 0.5,
      percent_change_24h: 5,
      percent_change_7d: 3,
      velocity: 0.8,
      trend: 'increasing',
      data_quality_score: body['data_quality_score'],
      last_updated: new Date(LATEST).toISOString(),
      stale: true,
    });
    expect(typeof body['data_quality_score']).toBe('number');
    await gateway.redis.set('token:1', '{"id":1,"cached":true}', 'EX', 60);
    expect(await (await get('/api/tokens/1')).json()).toEqual({ id: 1, cached: true });

    const missing = await get('/api/tokens/999');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no token 999' });
    expect(await gateway.redis.exists('token:999')).toBe(0);
    for (const id of ['abc', '0', '1.5', '99999999999']) {
      const bad = await get(`/api/tokens/${id}`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string[] }).message.join()).toMatch(/^id /);
    }
  });

  it('answers velocities from velocity:{id}:{timeframe} (24h by default), refilled on a miss', async () => {
    const response = await get('/api/tokens/1/velocity');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'token_id',
      'timeframe',
      'velocity',
      'velocity_1h',
      'velocity_4h',
      'velocity_12h',
      'velocity_24h',
      'velocity_7d',
      'trend',
      'data_quality_score',
      'stale',
      'calculated_at',
    ]);
    expect(body).toMatchObject({
      token_id: 1,
      timeframe: '24h',
      velocity: 0.8,
      velocity_24h: 0.8,
      trend: 'increasing',
      stale: true,
      calculated_at: new Date(LATEST).toISOString(),
    });
    const fourHours = (await (await get('/api/tokens/1/velocity?timeframe=4h')).json()) as Record<
      string,
      number
    >;
    expect(fourHours['timeframe']).toBe('4h');
    expect(fourHours['velocity']).toBe(fourHours['velocity_4h']);
    expect(fourHours['velocity_4h']).toBeCloseTo(0.65, 8); // mean of 0.5 .. 0.8
    await gateway.redis.set('velocity:2:7d', '{"token_id":2,"cached":true}', 'EX', 300);
    expect(await (await get('/api/tokens/2/velocity?timeframe=7d')).json()).toEqual({
      token_id: 2,
      cached: true,
    });
    expect((await get('/api/tokens/999/velocity')).status).toBe(404);
    const bad = await get('/api/tokens/1/velocity?timeframe=2h');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string[] }).message).toEqual([
      'timeframe must be one of 1h, 4h, 12h, 24h, 7d',
    ]);
  });

  it('answers the velocity history from token_metrics, oldest first, bounded', async () => {
    const response = await get(
      `/api/tokens/1/velocity/history?start=${HOUR0 + HOUR_MS}&end=${HOUR0 + 3 * HOUR_MS}`,
    );
    expect(response.status).toBe(200);
    const points = (await response.json()) as Array<Record<string, unknown>>;
    expect(points.map((p) => [p['timestamp'], p['velocity']])).toEqual([
      [new Date(HOUR0 + HOUR_MS).toISOString(), 0.2],
      [new Date(HOUR0 + 2 * HOUR_MS).toISOString(), 0.3],
      [new Date(HOUR0 + 3 * HOUR_MS).toISOString(), 0.4],
    ]);
    expect(Object.keys(points[0]!)).toEqual([
      'timestamp',
      'velocity',
      'velocity_1h',
      'velocity_4h',
      'velocity_12h',
      'velocity_7d',
      'price_usd',
      'market_cap_usd',
      'volume_24h_usd',
      'data_quality_score',
    ]);
    expect(points[0]).toMatchObject({
      velocity_4h: 0.15,
      price_usd: 2,
      market_cap_usd: 1_000_000,
      volume_24h_usd: 200_000,
    });
    const all = (await (await get('/api/tokens/1/velocity/history')).json()) as unknown[];
    expect(all).toHaveLength(8); // default: the last 7 days up to now
    const two = (await (await get('/api/tokens/1/velocity/history?limit=2')).json()) as Array<{
      timestamp: string;
    }>;
    expect(two.map((p) => p.timestamp)).toEqual([
      new Date(HOUR0).toISOString(),
      new Date(HOUR0 + HOUR_MS).toISOString(),
    ]);
    expect(await (await get('/api/tokens/1/velocity/history?start=0&end=1')).json()).toEqual([]);
    const missing = await get('/api/tokens/999/velocity/history');
    expect(missing.status).toBe(404);
    for (const [query, reason] of [
      ['start=2&end=1', /^start must not be after end$/],
      ['start=abc', /^start must be an epoch time/],
      ['limit=0', /^limit must not be less than 1$/],
      ['limit=10001', /^limit must not be greater than 10000$/],
    ] as const) {
      const bad = await get(`/api/tokens/1/velocity/history?${query}`);
      expect(bad.status).toBe(400);
      const { message } = (await bad.json()) as { message: string | string[] };
      expect([message].flat().some((m) => reason.test(m))).toBe(true);
    }
  });

  it('documents the token routes in the OpenAPI document', async () => {
    const openapi = (await (await gateway.request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/tokens',
      '/api/tokens/{id}',
      '/api/tokens/{id}/velocity',
      '/api/tokens/{id}/velocity/history',
    ])
      expect(openapi.paths[path]).toBeDefined();
    const list = JSON.stringify(openapi.paths['/api/tokens']);
    for (const name of ['sort', 'limit', 'offset']) expect(list).toContain(`"name":"${name}"`);
  });
});
