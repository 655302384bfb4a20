import type Redis from 'ioredis';
import type { LiquidationMessage } from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { createLogger, loadConfig } from '@mdp/platform';
import { createTestRedis, testRedisUrl, waitFor } from '@mdp/testing';
import { createDetectorComponents, type DetectorComponents } from '../src/liquidation-detector.components';
import { LiquidationDetectorConfig } from '../src/liquidation-detector.config';

const logger = createLogger('liquidation-detector', process.env['TEST_LOG_LEVEL'] ?? 'silent');

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYMBOLS = ['BTC-USDT', 'ETH-USDT', 'SOL-USDT'] as const;
const MINIMUM: Record<string, number> = { BTC: 10_000, ETH: 5_000, SOL: 1_000 };

/** The seed's scripts/test_redis_integration.py, step by step, through the detector's components on real Redis. */
describe('seed 001 integration scenario', () => {
  let redis: Redis;
  let components: DetectorComponents;
  const next = random(7);
  let seq = 0;

  const observedBtc: number[] = [];

  function randomLiquidation(ts: number): LiquidationMessage {
    const symbol = SYMBOLS[Math.floor(next() * 3)]!;
    const orderSide = next() < 0.5 ? 'buy' : 'sell';
    const notionalUsd = 1_000 + next() * 99_000;
    const price = 40_000 + next() * 5_000;
    if (symbol === 'BTC-USDT') observedBtc.push(notionalUsd);
    return aLiquidation({
      symbol,
      base: symbol.split('-')[0]!,
      venueSymbol: symbol.replace('-', ''),
      eventId: `seed-${seq++}`,
      orderSide,
      positionSide: orderSide === 'sell' ? 'long' : 'short',
      price,
      size: notionalUsd / price,
      notionalUsd,
      ts,
    });
  }

  beforeAll(async () => {
    redis = await createTestRedis();
    const config = Object.assign(loadConfig(LiquidationDetectorConfig, { REDIS_URL: testRedisUrl() }), {
      PERCENTILE_MIN_SAMPLES: 1_000_000, // step 2 stores every significant one, as the seed's add_liquidations_batch does
      COUNTERS_FLUSH_MS: 20,
      DETECTOR_CHECKPOINT_INTERVAL_MS: 20,
    });
    components = createDetectorComponents(config, redis, logger);
    await components.coordinator.join(); // holds every partition: the only replica
    components.start();
  });
  afterAll(async () => {
    await components.stop();
    await redis.quit();
  });

  const settled = () => waitFor('local buffer written', () => components.writer.buffered === 0);
  const accepted: LiquidationMessage[] = [];
  const now = Date.now();

  it('1. stores a single liquidation', async () => {
    const event = aLiquidation({
      eventId: 'single',
      orderSide: 'sell',
      notionalUsd: (50_000 * 42_000) / 42_000,
      price: 42_000,
      size: 50_000 / 42_000,
      ts: now,
    });
    expect(components.detection.onLiquidations([event])[0]!.kind).toBe('accepted');
    accepted.push(event);
    await settled();
    expect(await components.store.count('BTC-USDT')).toBe(1);
  });

  it('2. stores a batch of 100, the significant ones per asset', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => randomLiquidation(now + i));
    const outcomes = components.detection.onLiquidations(batch);
    const expected = batch.filter((l) => l.notionalUsd >= MINIMUM[l.base]!);
    expect(outcomes.filter((o) => o.kind === 'accepted').length).toBe(expected.length);
    accepted.push(...expected);
    await settled();
    const stored = (await Promise.all(SYMBOLS.map((s) => components.store.count(s)))).reduce(
      (a, b) => a + b,
      0,
    );
    expect(stored).toBe(accepted.length);
  });

  it('3. computes the VWAP of the trade flow exactly', () => {
    const trades = Array.from({ length: 500 }, (_, i) =>
      aTrade({
        tradeId: `t${i}`,
        price: 40_000 + next() * 5_000,
        size: 0.01 + next() * 2,
        ts: now - 60_000 + i * 100,
      }),
    );
    components.detection.onTrades(trades);
    const exact = trades.reduce((s, t) => s + t.price * t.size, 0) / trades.reduce((s, t) => s + t.size, 0);
    const reading = components.detection.detector.vwaps.read('BTC-USDT', now)!;
    expect(reading.trades).toBe(500);
    expect(reading.vwap).toBeCloseTo(exact, 6);
  });

  it('4. gives the 80th and 90th percentiles within 1 % of the exact ones', () => {
    // Every BTC liquidation seen (accepted or not) is in the distribution, with the single event of step 1.
    const sorted = [accepted[0]!.notionalUsd, ...observedBtc].sort((a, b) => a - b);
    expect(components.detection.detector.percentiles.sampleCount('BTC-USDT')).toBe(sorted.length);
    for (const p of [80, 90]) {
      const estimate = components.detection.detector.percentiles.percentileOf('BTC-USDT', p)!;
      const exact = sorted[Math.floor((p / 100) * (sorted.length - 1))]!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.01);
    }
  });

  it('5. reads memory and publishes the storage mode', async () => {
    await components.guard.check();
    expect(components.guard.mode).toBe('normal');
    const state = await components.state.storageState();
    expect(state?.mode).toBe('normal');
    expect(state!.usedBytes).toBeGreaterThan(0);
  });

  it('6. cleans up what is past retention and nothing else', async () => {
    await components.store.storeBatch([aLiquidation({ eventId: 'old', ts: now - 25 * 3_600_000 })], 'normal');
    expect(await components.guard.cleanup(false)).toBe(1);
    expect(await components.guard.cleanup(false)).toBe(0);
  });

  it('7. reports statistics per symbol and window', async () => {
    const btc = accepted.filter((l) => l.symbol === 'BTC-USDT');
    const sum = (list: LiquidationMessage[]) => list.reduce((s, l) => s + l.notionalUsd, 0);
    const stats = await components.store.stats('BTC-USDT', 60, now + 100);
    expect(stats.total_count).toBe(btc.length);
    expect(stats.buy_count).toBe(btc.filter((l) => l.orderSide === 'buy').length);
    expect(stats.sell_count).toBe(btc.filter((l) => l.orderSide === 'sell').length);
    expect(stats.total_volume).toBeCloseTo(sum(btc), 4);
    expect(stats.buy_volume).toBeCloseTo(sum(btc.filter((l) => l.orderSide === 'buy')), 4);
  });

  it('8. stress: 50 liquidations every 50 ms for a second, every significant one stored and counted', async () => {
    const start = Date.now();
    let sent = 0;
    let significant = 0;
    while (Date.now() - start < 1_000) {
      const batch = Array.from({ length: 50 }, () => randomLiquidation(Date.now()));
      significant += batch.filter((l) => l.notionalUsd >= MINIMUM[l.base]!).length;
      components.detection.onLiquidations(batch);
      sent += batch.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await settled();
    const counters = await waitFor('counters flushed', async () => {
      const value = await components.state.counters();
      return value.processed === 101 + sent && value.stored === accepted.length + significant
        ? value
        : undefined;
    });
    // The 'old' event of step 6 was written by the repository directly, so it is not in `stored`.
    expect(counters.filtered).toBe(101 + sent - (accepted.length + significant));
    expect(counters.memory_rejections).toBe(0);
  });
});
