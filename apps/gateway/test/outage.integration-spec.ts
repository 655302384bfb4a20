import { freePort, PrivateRedis } from '@mdp/testing';
import { startGateway, type GatewayHarness } from './gateway.harness';

async function waitForStatus(
  gateway: GatewayHarness,
  path: string,
  status: number,
  key?: string,
): Promise<Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await gateway.request(path, key === undefined ? {} : { key });
    if (response.status === status || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('gateway during a Redis outage', () => {
  let redis: PrivateRedis;
  let gateway: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    gateway = await startGateway({ redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
    key = await gateway.createKey('pro');
  });
  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  it('answers 503 with Retry-After promptly, reports not ready, and recovers by itself', async () => {
    expect((await gateway.request('/api/account', { key })).status).toBe(200);
    expect((await gateway.request('/health/ready')).status).toBe(200);

    await redis.stop();
    const started = Date.now();
    const refused = await waitForStatus(gateway, '/api/account', 503, key);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'redis is unavailable, retry shortly',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const ready = await gateway.request('/health/ready');
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { message: { checks: Record<string, { status: string }> } };
    expect(JSON.stringify(body)).toContain('"redis":{"status":"down"');
    expect(JSON.stringify(body)).toContain('"database":{"status":"up"');
    expect((await gateway.request('/health/live')).status).toBe(200);

    await redis.start();
    expect((await waitForStatus(gateway, '/api/account', 200, key)).status).toBe(200);
    expect((await waitForStatus(gateway, '/health/ready', 200)).status).toBe(200);
  }, 40_000);
});

describe('gateway with the database unreachable at start', () => {
  let gateway: GatewayHarness;

  beforeAll(async () => {
    const closedPort = await freePort();
    gateway = await startGateway({
      env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/none`, DATABASE_TIMEOUT_MS: '500' },
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('starts, answers 503 for requests that need the database, and reports not ready', async () => {
    const response = await gateway.request('/api/account', { key: 'mdp_some-key' });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toBe(
      'database is unavailable, retry shortly',
    );
    expect((await gateway.request('/health/ready')).status).toBe(503);
    expect((await gateway.request('/health/live')).status).toBe(200);
  });
});

describe('gateway with Redis down at start', () => {
  let redis: PrivateRedis;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    gateway = await startGateway({ redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
  }, 30_000);
  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  it('starts, answers 503 and not ready, then serves once Redis is up', async () => {
    const key = await gateway.createKey('pro');
    expect((await gateway.request('/api/account', { key })).status).toBe(503);
    expect((await gateway.request('/health/ready')).status).toBe(503);
    await redis.start();
    expect((await waitForStatus(gateway, '/api/account', 200, key)).status).toBe(200);
    expect((await waitForStatus(gateway, '/health/ready', 200)).status).toBe(200);
  }, 40_000);
});
