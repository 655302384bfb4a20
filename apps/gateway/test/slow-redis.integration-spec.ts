import { TcpProxy, testRedisDb } from '@mdp/testing';
import { startGateway, type GatewayHarness } from './gateway.harness';

/** Issue 11, case 5: Redis slow (added latency) and briefly unreachable. */
describe('gateway with Redis slow, then unreachable', () => {
  let proxy: TcpProxy;
  let gateway: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    proxy = new TcpProxy('127.0.0.1', 6379);
    await proxy.start();
    gateway = await startGateway({
      redisUrl: `redis://127.0.0.1:${proxy.port}/${testRedisDb()}`,
      env: { REDIS_COMMAND_TIMEOUT_MS: '250' },
    });
    key = await gateway.createKey('pro');
  });
  afterAll(async () => {
    await gateway?.close();
    await proxy?.close();
  });

  async function timed(path: string): Promise<{ status: number; ms: number }> {
    const started = Date.now();
    const response = await gateway.request(path, { key });
    await response.arrayBuffer();
    return { status: response.status, ms: Date.now() - started };
  }

  it('answers within the command timeout: 200 when Redis is fast enough, 503 when it is not, and recovers', async () => {
    expect((await timed('/api/account')).status).toBe(200);

    proxy.latencyMs = 100; // slow but inside the 250 ms timeout: still served
    const slow = await timed('/api/account');
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(100);

    proxy.latencyMs = 1_500; // slower than the timeout: 503 in about the timeout, not a hang
    const tooSlow = await timed('/api/account');
    expect(tooSlow.status).toBe(503);
    expect(tooSlow.ms).toBeLessThan(1_500);
    const ready = await gateway.request('/health/ready');
    expect(ready.status).toBe(503);

    proxy.latencyMs = 0;
    // The late replies drain; then it serves again by itself.
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await timed('/api/account')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);

    proxy.cut(); // briefly unreachable
    const cut = await timed('/api/account');
    expect(cut.status).toBe(503);
    expect(cut.ms).toBeLessThan(2_000);
    expect((await gateway.request('/health/live')).status).toBe(200);
    proxy.restore();
    const back = Date.now() + 15_000;
    status = 0;
    while (status !== 200 && Date.now() < back) {
      status = (await timed('/api/account')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
  }, 60_000);
});
