import { randomBytes } from 'node:crypto';
import { ApiKeyStore } from '../src/auth/api-key.store';
import { startGateway, type GatewayHarness } from './gateway.harness';

/** Issue 11, case 9: a wrong key costs the same whatever its length or how much of a real key it shares. */
describe('API key checks for wrong keys', () => {
  let gateway: GatewayHarness;
  let realKey: string;

  beforeAll(async () => {
    gateway = await startGateway();
    realKey = await gateway.createKey('pro');
  });
  afterAll(async () => {
    await gateway?.close();
  });

  function wrongKey(kind: 'short' | 'near-miss' | 'long', i: number): string {
    if (kind === 'short') return `k${i}`;
    // Same length as a real key and identical but for the last characters.
    if (kind === 'near-miss') return `${realKey.slice(0, -6)}${String(i).padStart(6, '0')}`;
    return `mdp_${randomBytes(150).toString('hex').slice(0, 250)}${i}`.slice(0, 256);
  }

  it('only ever looks a key up by its SHA-256, whatever was sent', async () => {
    const store = gateway.app.get(ApiKeyStore);
    const lookup = jest.spyOn(store, 'findByHash');
    try {
      for (const kind of ['short', 'near-miss', 'long'] as const)
        expect((await gateway.request('/api/account', { key: wrongKey(kind, 1) })).status).toBe(401);
      expect(lookup).toHaveBeenCalledTimes(3);
      for (const [hash] of lookup.mock.calls) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      lookup.mockRestore();
    }
  });

  it('takes about the same time for short, near-miss and long wrong keys', async () => {
    const kinds = ['short', 'near-miss', 'long'] as const;
    const times: Record<(typeof kinds)[number], number[]> = { short: [], 'near-miss': [], long: [] };
    // Interleaved, each key new (no cache hit), so load changes hit every kind alike.
    for (let i = 0; i < 150; i++) {
      for (const kind of kinds) {
        const started = process.hrtime.bigint();
        const response = await gateway.request('/api/account', { key: wrongKey(kind, 1_000 + i) });
        await response.arrayBuffer();
        times[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(response.status).toBe(401);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const medians = kinds.map((kind) => median(times[kind]));
    process.stdout.write(
      `wrong-key check medians (ms): ${kinds.map((kind, i) => `${kind} ${medians[i]!.toFixed(3)}`).join(', ')}\n`,
    );
    // A loose bound: it catches a check whose cost grows with the key or with a shared prefix
    // (a database or string comparison on the key itself), not scheduler noise.
    expect(Math.max(...medians) / Math.min(...medians)).toBeLessThan(1.5);
  }, 60_000);
});
