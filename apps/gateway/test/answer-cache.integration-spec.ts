import { FlowWindowAccumulator, type StoredFlowData } from '@mdp/domain-flow';
import { LiquidityFlowRepository, flowSnapshotKey } from '@mdp/data-access-flow';
import { TokenCacheRepository, type TokenSnapshot } from '@mdp/data-access-tokens';
import { FlowSnapshotStream } from '@mdp/schemas';
import { aFlowSnapshotNotice } from '@mdp/schemas/testing';
import { StreamPublisher } from '@mdp/transport';
import { waitFor } from '@mdp/testing';
import { AnswerCache } from '../src/answers/answer.cache';
import { startGateway, type GatewayHarness } from './gateway.harness';
import { WsTestClient } from './ws-test.client';

const T = 1_697_558_400_000; // a 4h boundary
/** Long enough that only an announcement can explain a fresh answer within a test. */
const LONG_TTL_MS = '60000';

/** A 5m snapshot of `coin` at `timestamp` with `trades` trades (its bytes differ with the count). */
function snapshot(coin: string, timestamp: number, trades: number): StoredFlowData {
  const window = new FlowWindowAccumulator(timestamp, 300_000, 5_000, 10, 100_000);
  for (let i = 0; i < trades; i++)
    window.addTrade(
      65_000 + i * 10,
      0.5 + i,
      (65_000 + i * 10) * (0.5 + i),
      i % 2 ? 'sell' : 'buy',
      timestamp + i,
    );
  return {
    key: flowSnapshotKey(coin, '5m', timestamp),
    coin,
    timeWindow: '5m',
    timestamp,
    data: window.toFlowData(),
    expiresAt: 0,
  };
}

function tokenSnapshot(tokenId: number): TokenSnapshot {
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
    volume24hUsd: 100_000,
    percentChange1h: 0,
    percentChange24h: 0,
    percentChange7d: 0,
    velocity: 0.1,
    velocity1h: 0.1,
    velocity4h: 0.1,
    velocity12h: 0.1,
    velocity7d: 0.1,
    trend: 'stable',
    dataQualityScore: 1,
    stale: false,
  };
}

/** The value of a counter or gauge line of `/metrics` (0 when absent). */
async function metric(gateway: GatewayHarness, line: string): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe('answers kept in the process (AnswerCache), two replicas', () => {
  let first: GatewayHarness;
  let second: GatewayHarness;
  let key: string;
  let flows: LiquidityFlowRepository;

  beforeAll(async () => {
    const env = { ANSWER_CACHE_TTL_MS: LONG_TTL_MS };
    first = await startGateway({ env });
    second = await startGateway({ database: first.database, keepRedis: true, env });
    key = await first.createKey();
    flows = new LiquidityFlowRepository(first.redis);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const retrieve = (gateway: GatewayHarness, snapshotKey: string) =>
    gateway.request(`/api/liquidity-flow/retrieve?key=${encodeURIComponent(snapshotKey)}`, { key });
  const retrieveText = async (gateway: GatewayHarness, snapshotKey: string) => {
    const response = await retrieve(gateway, snapshotKey);
    return `${response.status} ${await response.text()}`;
  };

  it('answers a hit with the same bytes and headers as the miss before it, from memory', async () => {
    const data = snapshot('BTC', T, 6);
    await flows.store(data);
    const stored = (await first.redis.getBuffer(data.key))!;
    const hitsBefore = await metric(first, 'gateway_answer_cache_requests_total{area="flow",result="hit"}');
    const miss = await retrieve(first, data.key);
    const hit = await retrieve(first, data.key);
    expect(miss.status).toBe(200);
    expect(hit.status).toBe(200);
    const missBytes = Buffer.from(await miss.arrayBuffer());
    expect(missBytes.equals(stored)).toBe(true);
    expect(Buffer.from(await hit.arrayBuffer()).equals(missBytes)).toBe(true);
    for (const header of ['content-type', 'content-length'])
      expect(hit.headers.get(header)).toBe(miss.headers.get(header));
    expect(await metric(first, 'gateway_answer_cache_requests_total{area="flow",result="hit"}')).toBe(
      hitsBefore + 1,
    );
    // A write nobody announces is not seen while the answer is kept: the hit really came from memory.
    await first.redis.set(data.key, '{"unannounced":true}', 'KEEPTTL');
    expect(Buffer.from(await (await retrieve(first, data.key)).arrayBuffer()).equals(stored)).toBe(true);
  });

  it('sees a snapshot the aggregator writes as soon as its notice is on stream:{flow-snapshots}', async () => {
    const older = snapshot('ETH', T, 2);
    await flows.store(older);
    for (const gateway of [first, second]) {
      expect(await retrieveText(gateway, older.key)).toBe(`200 ${await first.redis.get(older.key)}`);
      await retrieve(gateway, older.key); // kept
    }
    // What the aggregator does per snapshot: store through the repository, then announce.
    const newer = snapshot('ETH', T, 9);
    const write = await flows.store(newer, Date.now(), { trusted: true });
    await new StreamPublisher(first.redis).publish(
      FlowSnapshotStream,
      aFlowSnapshotNotice({ key: write.key, coin: 'ETH', timeWindow: '5m', timestamp: T }),
    );
    const expected = `200 ${await first.redis.get(newer.key)}`;
    for (const gateway of [first, second])
      await waitFor('the new snapshot', async () => (await retrieveText(gateway, newer.key)) === expected, {
        timeoutMs: 3_000,
      });
  });

  it('a WebSocket client told of a new snapshot reads the new one, never the kept one', async () => {
    const client = await WsTestClient.open(second.wsUrl, { key });
    try {
      await client.request({ op: 'subscribe', channel: 'flow', coin: 'ETH', timeWindow: '5m' });
      const publisher = new StreamPublisher(first.redis);
      for (let round = 0; round < 5; round++) {
        const timestamp = T + 300_000 * (10 + round);
        const older = snapshot('ETH', timestamp, 2);
        await flows.store(older);
        await retrieve(second, older.key);
        await retrieve(second, older.key); // kept
        const write = await flows.store(snapshot('ETH', timestamp, 3 + round), Date.now(), { trusted: true });
        await publisher.publish(
          FlowSnapshotStream,
          aFlowSnapshotNotice({ key: write.key, coin: 'ETH', timeWindow: '5m', timestamp }),
        );
        await client.next(
          (message) => message.channel === 'flow' && (message['data'] as { key: string }).key === write.key,
        );
        // At once, on the update: no wait for the answer cache's own reading of the stream.
        expect(await retrieveText(second, write.key)).toBe(`200 ${await first.redis.get(write.key)}`);
      }
    } finally {
      await client.close();
    }
  });

  it('POST store, DELETE and clear through one replica drop the answers the other keeps', async () => {
    const data = snapshot('HYPE', T, 3);
    await flows.store(data);
    for (const gateway of [first, second]) await retrieve(gateway, data.key);
    const hitsBefore = await metric(second, 'gateway_answer_cache_requests_total{area="flow",result="hit"}');
    expect((await retrieve(second, data.key)).status).toBe(200);
    expect(await metric(second, 'gateway_answer_cache_requests_total{area="flow",result="hit"}')).toBe(
      hitsBefore + 1,
    );

    const stored = await first.request('/api/liquidity-flow/store', {
      method: 'POST',
      key,
      json: snapshot('HYPE', T, 8),
    });
    expect(stored.status).toBe(200);
    const expected = `200 ${await first.redis.get(data.key)}`;
    expect(await retrieveText(first, data.key)).toBe(expected); // its own write: at once
    await waitFor(
      'the other replica sees the store',
      async () => (await retrieveText(second, data.key)) === expected,
      {
        timeoutMs: 3_000,
      },
    );
    await retrieve(first, data.key); // kept again on both

    const deleted = await second.request('/api/liquidity-flow/delete', {
      method: 'DELETE',
      key,
      json: { key: data.key },
    });
    expect(deleted.status).toBe(200);
    await waitFor(
      'the other replica sees the delete',
      async () => (await retrieve(first, data.key)).status === 404,
      {
        timeoutMs: 3_000,
      },
    );

    const other = snapshot('HYPE', T + 300_000, 4);
    await flows.store(other);
    for (const gateway of [first, second]) expect((await retrieve(gateway, other.key)).status).toBe(200);
    expect((await first.request('/api/liquidity-flow/clear/HYPE', { method: 'DELETE', key })).status).toBe(
      200,
    );
    await waitFor(
      'the other replica sees the clear',
      async () => (await retrieve(second, other.key)).status === 404,
      {
        timeoutMs: 3_000,
      },
    );
  });

  it('keeps token lists until the lists are invalidated (tokens:lists:invalidated)', async () => {
    const lists = new TokenCacheRepository(first.redis);
    await lists.setList('market_cap', 100, 0, [tokenSnapshot(1)]);
    const listText = async (gateway: GatewayHarness) =>
      (await gateway.request('/api/tokens', { key })).text();
    const original = await first.redis.get('tokens:list:market_cap:100:0');
    for (const gateway of [first, second]) {
      expect(await listText(gateway)).toBe(original);
      expect(await listText(gateway)).toBe(original);
    }
    // Rewritten behind the gateways' backs: they keep what they had.
    await lists.setList('market_cap', 100, 0, [tokenSnapshot(2)]);
    for (const gateway of [first, second]) expect(await listText(gateway)).toBe(original);
    // The poller's invalidation (announced): the next answer is read again (from the warm store, empty here).
    await lists.invalidateLists();
    for (const gateway of [first, second])
      await waitFor('the list read again', async () => (await listText(gateway)) === '[]', {
        timeoutMs: 3_000,
      });
  });

  it('counts hits and misses per area on /metrics', async () => {
    const text = await (await fetch(`${first.url}/metrics`)).text();
    for (const area of ['flow', 'token-list'])
      for (const result of ['hit', 'miss'])
        expect(
          await metric(first, `gateway_answer_cache_requests_total{area="${area}",result="${result}"}`),
        ).toBeGreaterThan(0);
    expect(text).toContain('gateway_answer_cache_bytes');
    expect(text).toContain('gateway_answer_cache_invalidations_total{kind="key"}');
  });
});

describe('answers kept in the process: the bounds', () => {
  let gateway: GatewayHarness;
  let key: string;

  afterEach(async () => {
    await gateway?.close();
  });

  /** Stores `n` snapshots, reads each once (kept if the bounds allow), rewrites them unannounced, and says which answers are still the kept ones. */
  async function keptAfterReading(n: number): Promise<boolean[]> {
    key = await gateway.createKey();
    const flows = new LiquidityFlowRepository(gateway.redis);
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const data = snapshot('BTC', T + i * 300_000, 5);
      await flows.store(data);
      keys.push(data.key);
    }
    for (const snapshotKey of keys)
      expect((await gateway.request(`/api/liquidity-flow/retrieve?key=${snapshotKey}`, { key })).status).toBe(
        200,
      );
    for (const snapshotKey of keys) await gateway.redis.set(snapshotKey, '{"rewritten":true}', 'KEEPTTL');
    const kept: boolean[] = [];
    // Newest first: reading a dropped one again keeps it, which may drop an older one.
    for (const snapshotKey of [...keys].reverse()) {
      const text = await (
        await gateway.request(`/api/liquidity-flow/retrieve?key=${snapshotKey}`, { key })
      ).text();
      kept.unshift(text !== '{"rewritten":true}');
    }
    return kept;
  }

  it('keeps at most ANSWER_CACHE_MAX_ENTRIES answers, dropping the oldest', async () => {
    gateway = await startGateway({
      env: { ANSWER_CACHE_TTL_MS: LONG_TTL_MS, ANSWER_CACHE_MAX_ENTRIES: '2' },
    });
    expect(await keptAfterReading(4)).toEqual([false, false, true, true]);
    expect(gateway.app.get(AnswerCache).size).toBeLessThanOrEqual(2);
  });

  it('keeps at most ANSWER_CACHE_MAX_BYTES of answers', async () => {
    const size = Buffer.byteLength(JSON.stringify(snapshot('BTC', T, 5))) + 64;
    const maxBytes = Math.floor(size * 2.5);
    gateway = await startGateway({
      env: { ANSWER_CACHE_TTL_MS: LONG_TTL_MS, ANSWER_CACHE_MAX_BYTES: String(maxBytes) },
    });
    expect(await keptAfterReading(4)).toEqual([false, false, true, true]);
    expect(gateway.app.get(AnswerCache).totalBytes).toBeLessThanOrEqual(maxBytes);
  });

  it('keeps an answer no longer than ANSWER_CACHE_TTL_MS', async () => {
    gateway = await startGateway({ env: { ANSWER_CACHE_TTL_MS: '300' } });
    key = await gateway.createKey();
    const data = snapshot('ETH', T, 5);
    await new LiquidityFlowRepository(gateway.redis).store(data);
    const url = `/api/liquidity-flow/retrieve?key=${data.key}`;
    const before = await (await gateway.request(url, { key })).text();
    await gateway.redis.set(data.key, '{"rewritten":true}', 'KEEPTTL');
    expect(await (await gateway.request(url, { key })).text()).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await (await gateway.request(url, { key })).text()).toBe('{"rewritten":true}');
  });
});
