import type Redis from 'ioredis';
import { createTestRedis } from '@mdp/testing';
import { FlowWindowAccumulator, type StoredFlowData } from '@mdp/domain-flow';
import {
  FlowDataValidationError,
  LiquidityFlowRepository,
  decodeFlowSnapshot,
  flowIndexKey,
  flowSnapshotKey,
} from '../src';

const T = 1_700_000_100_000; // a 5m boundary
const NOW = 1_700_000_500_000;

function snapshot(
  coin: string,
  timeWindow: '1m' | '5m' | '4h',
  timestamp: number,
  trades = 3,
): StoredFlowData {
  const window = new FlowWindowAccumulator(timestamp, 60_000, 5_000, 10, 100_000);
  for (let i = 0; i < trades; i++)
    window.addTrade(65_000 + i * 10, 0.5, 32_500 + i * 5, i % 2 ? 'sell' : 'buy', timestamp + i * 1_000);
  return {
    key: flowSnapshotKey(coin, timeWindow, timestamp),
    coin,
    timeWindow,
    timestamp,
    data: window.toFlowData(),
    expiresAt: 0,
  };
}

describe(LiquidityFlowRepository.name, () => {
  let redis: Redis;
  let repository: LiquidityFlowRepository;

  beforeEach(async () => {
    redis = await createTestRedis();
    repository = new LiquidityFlowRepository(redis);
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('stores with the seed TTL of each window, indexes by timestamp and retrieves the same data', async () => {
    const oneMinute = snapshot('BTC', '1m', T);
    const fourHours = snapshot('BTC', '4h', 1_699_992_000_000);
    const write = await repository.store(oneMinute, NOW);
    await repository.store(fourHours, NOW);
    expect(write).toMatchObject({
      key: 'liquidity-flow:BTC:1m:1700000100000',
      ttlSeconds: 3_600,
      compressed: false,
    });
    const ttl1m = await redis.ttl('liquidity-flow:BTC:1m:1700000100000');
    const ttl4h = await redis.ttl('liquidity-flow:BTC:4h:1699992000000');
    expect(ttl1m).toBeGreaterThan(3_590);
    expect(ttl1m).toBeLessThanOrEqual(3_600);
    expect(ttl4h).toBeGreaterThan(604_790);
    expect(ttl4h).toBeLessThanOrEqual(604_800);
    expect(await redis.zrange('liquidity-flow:BTC:1m:index', 0, -1, 'WITHSCORES')).toEqual([
      'liquidity-flow:BTC:1m:1700000100000',
      String(T),
    ]);
    expect(await repository.retrieve(oneMinute.key)).toEqual({ ...oneMinute, expiresAt: NOW + 3_600_000 });
    expect(await repository.retrieve('liquidity-flow:BTC:1m:1')).toBeNull();
  });

  it('answers historical queries by time range, inclusive, oldest first', async () => {
    for (let i = 0; i < 5; i++) await repository.store(snapshot('ETH', '5m', T + i * 300_000), NOW);
    const found = await repository.historical('ETH', '5m', T + 300_000, T + 900_000);
    expect(found.map((data) => data.timestamp)).toEqual([T + 300_000, T + 600_000, T + 900_000]);
    expect(await repository.historical('BTC', '5m', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('returns the stored JSON as-is (retrieveBytes, historicalJson with a bound and a truncated flag)', async () => {
    const compressing = new LiquidityFlowRepository(redis, { compressMinBytes: 1_000 });
    for (let i = 0; i < 4; i++) await compressing.store(snapshot('ETH', '5m', T + i * 300_000, 200), NOW);
    const stored = JSON.stringify({ ...snapshot('ETH', '5m', T, 200), expiresAt: NOW + 14_400_000 });
    expect((await compressing.retrieveBytes(flowSnapshotKey('ETH', '5m', T)))!.toString('utf8')).toBe(stored);
    const small = snapshot('ETH', '5m', T + 3_600_000, 1);
    await compressing.store(small, NOW);
    expect((await compressing.retrieveBytes(small.key))!.toString('utf8')).toBe(
      JSON.stringify({ ...small, expiresAt: NOW + 14_400_000 }),
    );
    expect(await repository.retrieveBytes(flowSnapshotKey('ETH', '5m', 1))).toBeNull();
    const all = await repository.historicalJson('ETH', '5m', T, T + 900_000, 10);
    expect(all.truncated).toBe(false);
    expect(all.snapshots.map((json) => (JSON.parse(json) as StoredFlowData).timestamp)).toEqual([
      T,
      T + 300_000,
      T + 600_000,
      T + 900_000,
    ]);
    expect(all.snapshots[0]).toBe(stored);
    const bounded = await repository.historicalJson('ETH', '5m', T + 300_000, T + 900_000, 2);
    expect(bounded.truncated).toBe(true);
    expect(bounded.snapshots.map((json) => (JSON.parse(json) as StoredFlowData).timestamp)).toEqual([
      T + 300_000,
      T + 600_000,
    ]);
    await redis.del(flowSnapshotKey('ETH', '5m', T));
    expect((await repository.historicalJson('ETH', '5m', T, T, 10)).snapshots).toEqual([]);
    expect(await redis.zscore(flowIndexKey('ETH', '5m'), flowSnapshotKey('ETH', '5m', T))).toBeNull();
    expect(await repository.historicalJson('BTC', '5m', 0, Number.MAX_SAFE_INTEGER, 10)).toEqual({
      snapshots: [],
      truncated: false,
    });
  });

  it('removes index entries of snapshots that have expired (historical and pruneIndex)', async () => {
    for (let i = 0; i < 3; i++) await repository.store(snapshot('BTC', '5m', T + i * 300_000), NOW);
    await redis.pexpire(flowSnapshotKey('BTC', '5m', T), 1);
    await redis.pexpire(flowSnapshotKey('BTC', '5m', T + 300_000), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await repository.pruneIndex('BTC', '5m')).toBe(2);
    expect(await redis.zrange(flowIndexKey('BTC', '5m'), 0, -1)).toEqual([
      flowSnapshotKey('BTC', '5m', T + 600_000),
    ]);
    await redis.pexpire(flowSnapshotKey('BTC', '5m', T + 600_000), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await repository.historical('BTC', '5m', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(await redis.exists(flowIndexKey('BTC', '5m'))).toBe(0);
  });

  it('deletes one snapshot with its index entry, and clears every key of a coin only', async () => {
    const a = snapshot('BTC', '1m', T);
    const b = snapshot('BTC', '5m', T);
    const other = snapshot('ETH', '1m', T);
    for (const data of [a, b, other]) await repository.store(data, NOW);
    await redis.set('liquidity-flow:BTC:1m:123', '{}'); // unindexed, found by SCAN
    expect(await repository.delete(a.key)).toBe(true);
    expect(await repository.delete(a.key)).toBe(false);
    expect(await redis.zrange(flowIndexKey('BTC', '1m'), 0, -1)).toEqual([]);
    expect(await repository.clear('BTC')).toBe(3); // b, its index, the unindexed key
    expect((await redis.keys('liquidity-flow:*')).sort()).toEqual(
      [other.key, flowIndexKey('ETH', '1m')].sort(),
    );
  });

  it('rejects invalid StoredFlowData and writes nothing', async () => {
    const valid = snapshot('BTC', '1m', T);
    const cases: Array<[unknown, string]> = [
      [null, 'body'],
      [{ ...valid, key: 'liquidity-flow:BTC:5m:1700000100000' }, 'key'],
      [{ ...valid, timeWindow: '2m' }, 'timeWindow'],
      [{ ...valid, timestamp: T + 1 }, 'key'],
      [{ ...valid, coin: 'btc' }, 'coin'],
      [
        { ...valid, data: { ...valid.data, metrics: { ...valid.data.metrics, flowDirection: 'up' } } },
        'data.metrics.flowDirection',
      ],
      [
        { ...valid, data: { ...valid.data, metrics: { ...valid.data.metrics, totalTrades: -1 } } },
        'data.metrics.totalTrades',
      ],
      [
        { ...valid, data: { ...valid.data, nodes: [[1, { ...valid.data.nodes[0]![1], buyCount: 1.5 }]] } },
        'data.nodes.0',
      ],
      [{ ...valid, data: { ...valid.data, nodes: [[65_000]] } }, 'data.nodes.0'],
      [
        { ...valid, data: { ...valid.data, timeSeries: [{ ...valid.data.timeSeries[0], netFlow: 'x' }] } },
        'data.timeSeries.0.netFlow',
      ],
      [{ ...valid, data: undefined }, 'data'],
    ];
    for (const [input, field] of cases) {
      const error = await repository.store(input, NOW).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FlowDataValidationError);
      expect((error as FlowDataValidationError).problems.join('\n')).toContain(field);
    }
    expect(await redis.dbsize()).toBe(0);
  });

  it('compresses large snapshots transparently: GET holds gz:+base64, retrieve and historical return the JSON', async () => {
    const compressing = new LiquidityFlowRepository(redis, { compressMinBytes: 1_000 });
    const large = snapshot('HYPE', '1m', T, 200);
    const write = await compressing.store(large, NOW);
    expect(write.compressed).toBe(true);
    const raw = (await redis.get(large.key))!;
    expect(raw.startsWith('gz:')).toBe(true);
    expect(write.bytes).toBe(raw.length);
    expect(raw.length).toBeLessThan(JSON.stringify(large).length / 3);
    expect(JSON.parse(decodeFlowSnapshot(raw))).toEqual({ ...large, expiresAt: NOW + 3_600_000 });
    expect(await compressing.retrieve(large.key)).toEqual({ ...large, expiresAt: NOW + 3_600_000 });
    expect(await repository.historical('HYPE', '1m', T, T)).toEqual([
      { ...large, expiresAt: NOW + 3_600_000 },
    ]);
    const small = snapshot('HYPE', '1m', T + 60_000, 1);
    expect((await compressing.store(small, NOW)).compressed).toBe(false);
    expect((await redis.get(small.key))!.startsWith('{')).toBe(true);
  });

  it('writes a key in the order of the store calls, while an earlier, compressed write is still compressing', async () => {
    const earlier = snapshot('BTC', '1m', T, 200); // compressed (on the thread pool)
    const later = snapshot('BTC', '1m', T, 2); // same key, too small to compress: no wait of its own
    const compressing = new LiquidityFlowRepository(redis, {
      compressMinBytes: JSON.stringify({ ...later, expiresAt: NOW }).length + 100,
    });
    const writes = [compressing.store(earlier, NOW), compressing.store(later, NOW)];
    expect((await Promise.all(writes)).map((write) => write.compressed)).toEqual([true, false]);
    expect(await compressing.retrieve(later.key)).toEqual({ ...later, expiresAt: NOW + 3_600_000 });
  });

  it("does not hold another key's write behind a write still compressing", async () => {
    const large = snapshot('BTC', '1m', T, 5_000); // compressed on the thread pool
    const small = snapshot('ETH', '1m', T, 2); // too small to compress
    const compressing = new LiquidityFlowRepository(redis, {
      compressMinBytes: JSON.stringify({ ...small, expiresAt: NOW }).length + 100,
    });
    const finished: string[] = [];
    const writes = await Promise.all(
      [compressing.store(large, NOW), compressing.store(small, NOW)].map((write) =>
        write.then((stored) => {
          finished.push(stored.key);
          return stored;
        }),
      ),
    );
    expect(writes.map((write) => write.compressed)).toEqual([true, false]);
    expect(finished).toEqual([small.key, large.key]);
    expect((await compressing.retrieve(large.key))!.data.nodes).toHaveLength(large.data.nodes.length);
  });
});
