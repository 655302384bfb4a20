import { API_KEY_REVOKED_CHANNEL } from '../src/auth/api-key';
import { startGateway, type GatewayHarness } from './gateway.harness';

describe('gateway API keys and rate limits', () => {
  let gateway: GatewayHarness;

  beforeAll(async () => {
    gateway = await startGateway({ env: { API_KEY_CACHE_TTL_MS: '60000' } });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('refuses a request without a key, with a malformed key, and with an unknown key', async () => {
    const missing = await gateway.request('/api/account');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing API key: send it in the X-API-Key header',
    });
    for (const key of ['x'.repeat(300), 'mdp_unknown', 'with space']) {
      const response = await gateway.request('/api/account', { key });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { message: string }).message).toBe('invalid API key');
    }
  });

  it('accepts a key sent as X-API-Key or as a bearer token, and reports its usage', async () => {
    const key = await gateway.createKey('pro');
    const first = await gateway.request('/api/account', { key });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('600');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('599');
    expect(await first.json()).toMatchObject({
      kind: 'key',
      tier: 'pro',
      perMinute: 600,
      perMonth: 1_000_000,
      usage: { minute: 1, month: 1 },
    });
    const bearer = await fetch(`${gateway.url}/api/account`, { headers: { authorization: `Bearer ${key}` } });
    expect(bearer.status).toBe(200);
    expect(((await bearer.json()) as { usage: { minute: number } }).usage.minute).toBe(2);
  });

  it('answers 429 with Retry-After past the per-minute limit, counting refused requests against nothing', async () => {
    const key = await gateway.createKey('basic', { perMinute: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await gateway.request('/api/account', { key })).status);
    // A minute boundary may fall inside the loop; then the count restarts, so allow for it.
    const allowed = statuses.filter((status) => status === 200).length;
    expect(allowed === 5 || allowed === 8).toBe(true);
    if (allowed === 5) {
      const refused = await gateway.request('/api/account', { key });
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(((await refused.json()) as { message: string }).message).toMatch(/5 requests per minute/);
      const minuteKeys = await gateway.redis.keys('rate_limit:{*}:m:*');
      const counts = await Promise.all(minuteKeys.map((k) => gateway.redis.get(k)));
      expect(counts).toContain('5');
      const ttl = await gateway.redis.ttl(minuteKeys[counts.indexOf('5')]!);
      expect(ttl).toBeGreaterThan(3_500);
    }
  });

  it('answers 429 once the monthly limit is spent, with Retry-After to the month end', async () => {
    const key = await gateway.createKey('basic', { perMinute: 100, perMonth: 2 });
    expect((await gateway.request('/api/account', { key })).status).toBe(200);
    expect((await gateway.request('/api/account', { key })).status).toBe(200);
    const refused = await gateway.request('/api/account', { key });
    expect(refused.status).toBe(429);
    const now = new Date();
    const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    expect(Number(refused.headers.get('retry-after'))).toBeCloseTo((monthEnd - Date.now()) / 1000, -1);
    expect(((await refused.json()) as { message: string }).message).toMatch(/monthly request limit/);
  });

  it('refuses a revoked key at once on every replica (pub/sub) despite the key cache', async () => {
    const key = await gateway.createKey('basic');
    expect((await gateway.request('/api/account', { key })).status).toBe(200);
    const keyHash = await gateway.keys.revoke(key);
    expect(keyHash).not.toBeNull();
    await gateway.redis.publish(API_KEY_REVOKED_CHANNEL, keyHash!);
    const deadline = Date.now() + 2_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await gateway.request('/api/account', { key })).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const response = await gateway.request('/api/account', { key });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toBe('API key revoked');
  });

  it('writes usage_count, last_used_at and an hourly rate_limiting row', async () => {
    const key = await gateway.createKey('pro');
    for (let i = 0; i < 3; i++) expect((await gateway.request('/api/account', { key })).status).toBe(200);
    const id = (await gateway.keys.list()).at(-1)!.id;
    let row: { usage_count: number; last_used_at: Date | null } | undefined;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const result = await gateway.sql.query<{ usage_count: number; last_used_at: Date | null }>(
        'SELECT usage_count, last_used_at FROM api_keys WHERE id = $1',
        [id],
      );
      row = result.rows[0];
      if (row?.usage_count === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row?.usage_count).toBe(3);
    expect(row?.last_used_at).toBeInstanceOf(Date);
    const windows = await gateway.sql.query<{ window_start: Date; request_count: number }>(
      'SELECT window_start, request_count FROM rate_limiting WHERE api_key_id = $1',
      [id],
    );
    expect(windows.rows.reduce((sum, r) => sum + r.request_count, 0)).toBe(3);
    for (const r of windows.rows) expect(r.window_start.getTime() % 3_600_000).toBe(0);
  });

  it('serves health, metrics and the OpenAPI document without a key', async () => {
    expect((await gateway.request('/health/live')).status).toBe(200);
    const ready = await gateway.request('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'up',
      checks: { redis: { status: 'up' }, database: { status: 'up' } },
    });
    expect((await gateway.request('/no-such-route')).status).toBe(404);
    expect((await gateway.request('/api/account')).status).toBe(401);
    expect((await gateway.request('/health/live', { method: 'HEAD' })).status).toBe(200);
    const metrics = await (await gateway.request('/metrics')).text();
    expect(metrics).toContain('gateway_http_request_duration_seconds_bucket');
    // Timed by route pattern, method and status; a request no route matched as `unmatched`.
    for (const labels of [
      'method="GET",route="/health/live",status_code="200"',
      'method="HEAD",route="/health/live",status_code="200"',
      'method="GET",route="unmatched",status_code="404"',
      'method="GET",route="/api/account",status_code="401"',
    ])
      expect(metrics).toMatch(
        new RegExp(`^gateway_http_request_duration_seconds_count\\{${labels}\\} [1-9]`, 'm'),
      );
    const openapi = (await (await gateway.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(openapi.paths['/api/account']).toBeDefined();
  });
});

describe('gateway anonymous access', () => {
  let gateway: GatewayHarness;

  beforeAll(async () => {
    gateway = await startGateway({ env: { ANONYMOUS_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('lets GET requests through by client IP up to the anonymous limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await gateway.request('/api/account')).status);
    const allowed = statuses.filter((status) => status === 200).length;
    expect(allowed === 3 || allowed === 5).toBe(true);
    expect(await gateway.redis.keys('rate_limit:{ip:127.0.0.1}:m:*')).toHaveLength(1);
  });
});
