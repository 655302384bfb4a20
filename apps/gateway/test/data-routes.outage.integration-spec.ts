import { freePort, PrivateRedis } from '@mdp/testing';
import { startGateway, type GatewayHarness } from './gateway.harness';

const OUTAGE_BODY = (backend: string) => ({
  statusCode: 503,
  error: 'Service Unavailable',
  message: `${backend} is unavailable, retry shortly`,
});

describe('flow and token routes during a Redis outage', () => {
  let redis: PrivateRedis;
  let gateway: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    gateway = await startGateway({ redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
    key = await gateway.createKey();
  });
  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  it('answers 503 with Retry-After, not a hang or a 500', async () => {
    await gateway.redis.set('liquidity-flow:BTC:5m:0', '{"key":"liquidity-flow:BTC:5m:0"}');
    expect(
      (await gateway.request('/api/liquidity-flow/retrieve?key=liquidity-flow:BTC:5m:0', { key })).status,
    ).toBe(200);
    await redis.stop();
    for (const path of [
      '/api/liquidity-flow/retrieve?key=liquidity-flow:BTC:5m:0',
      '/api/liquidity-flow/historical?coin=BTC&timeWindow=5m&start=0&end=1',
      '/api/tokens',
      '/api/tokens/1',
    ]) {
      const started = Date.now();
      const response = await gateway.request(path, { key });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toEqual(OUTAGE_BODY('redis'));
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  }, 30_000);
});

describe('token and candle routes while the warm store (read pool) is unreachable', () => {
  let gateway: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    const deadPort = await freePort();
    gateway = await startGateway({
      env: {
        DATABASE_READ_URL: `postgres://postgres@127.0.0.1:${deadPort}/none`,
        DATABASE_TIMEOUT_MS: '1000',
      },
    });
    key = await gateway.createKey();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('serves cache hits and answers a miss with 503', async () => {
    await gateway.redis.set('token:7', '{"id":7}', 'EX', 60);
    const hit = await gateway.request('/api/tokens/7', { key });
    expect(hit.status).toBe(200);
    expect(await hit.json()).toEqual({ id: 7 });
    for (const path of [
      '/api/tokens/8',
      '/api/tokens?sort=velocity',
      '/api/tokens/7/velocity/history',
      '/api/candles/BTC',
    ]) {
      const miss = await gateway.request(path, { key });
      expect(miss.status).toBe(503);
      expect(await miss.json()).toEqual(OUTAGE_BODY('database'));
    }
    expect(await gateway.redis.keys('tokens:list:*')).toEqual([]);
  }, 30_000);
});
