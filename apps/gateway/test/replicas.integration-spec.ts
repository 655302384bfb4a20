import { API_KEY_REVOKED_CHANNEL } from '../src/auth/api-key';
import { startGateway, type GatewayHarness } from './gateway.harness';

describe('two gateway replicas', () => {
  let first: GatewayHarness;
  let second: GatewayHarness;

  beforeAll(async () => {
    first = await startGateway();
    second = await startGateway({ database: first.database, keepRedis: true });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('share one per-minute limit exactly, under concurrent load on both', async () => {
    const key = await first.createKey('basic', { perMinute: 100, perMonth: 10_000 });
    // Stay inside one minute window: a boundary in the middle would reset the count.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    const responses = await Promise.all(
      Array.from({ length: 160 }, (_, i) => (i % 2 === 0 ? first : second).request('/api/account', { key })),
    );
    const byReplica = [0, 1].map(
      (replica) => responses.filter((response, i) => i % 2 === replica && response.status === 200).length,
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(60);
    // Both replicas served part of the allowance: the counter is shared, not per process.
    expect(byReplica[0]).toBeGreaterThan(0);
    expect(byReplica[1]).toBeGreaterThan(0);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
  }, 70_000);

  it('both refuse a key revoked through either', async () => {
    const key = await first.createKey('pro');
    expect((await first.request('/api/account', { key })).status).toBe(200);
    expect((await second.request('/api/account', { key })).status).toBe(200);
    const keyHash = await second.keys.revoke(key);
    await second.redis.publish(API_KEY_REVOKED_CHANNEL, keyHash!);
    for (const gateway of [first, second]) {
      const deadline = Date.now() + 2_000;
      let status = 200;
      while (status !== 401 && Date.now() < deadline)
        status = (await gateway.request('/api/account', { key })).status;
      expect(status).toBe(401);
    }
  });
});
