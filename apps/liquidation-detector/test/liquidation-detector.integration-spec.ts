import type Redis from 'ioredis';
import {
  LiquidationSignalStream,
  LiquidationStream,
  TradeStream,
  type LiquidationMessage,
  type LiquidationSignalMessage,
  type StreamDefinition,
} from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { createTestRedis, testRedisUrl, waitFor } from '@mdp/testing';
import { StreamPublisher, decodeEntry } from '@mdp/transport';
import {
  PercentileThresholdRepository,
  activeSignalKey,
  percentileThresholdsKey,
  type PercentileThreshold,
} from '@mdp/data-access-liquidation';
import { startDetector, type RunningDetector } from './liquidation-detector.harness';

const T0 = 1_700_000_020_000;

async function streamEvents<T>(redis: Redis, definition: StreamDefinition): Promise<T[]> {
  const entries = await redis.xrangeBuffer(definition.stream, '-', '+');
  return entries.flatMap(([, fields]) => decodeEntry(fields).events as T[]);
}

function liquidation(
  symbol: string,
  orderSide: 'buy' | 'sell',
  price: number,
  notionalUsd: number,
  id: string,
): LiquidationMessage {
  const base = symbol.split('-')[0]!;
  return aLiquidation({
    symbol,
    base,
    venueSymbol: symbol.replace('-', ''),
    eventId: id,
    orderSide,
    positionSide: orderSide === 'sell' ? 'long' : 'short',
    price,
    size: notionalUsd / price,
    notionalUsd,
    ts: T0 + 20_000,
  });
}

describe('liquidation detector over the streams', () => {
  let redis: Redis;
  let publisher: StreamPublisher;
  let detector: RunningDetector | undefined;

  beforeEach(async () => {
    redis = await createTestRedis();
    publisher = new StreamPublisher(redis);
  });
  afterEach(async () => {
    await detector?.close();
    detector = undefined;
    await publisher.close();
    await redis.quit();
  });

  it('filters by minimum size per asset, raises both signal directions and no others, stores, counts and announces', async () => {
    detector = await startDetector({
      REDIS_URL: testRedisUrl(),
      ENABLE_PERCENTILE_FILTER: 'false',
      LIQUIDATION_BATCH_TIMEOUT_MS: '20',
      COUNTERS_FLUSH_MS: '20',
    });
    const trades = [
      ...[99, 100, 101].map((price, i) =>
        aTrade({ symbol: 'BTC-USDT', base: 'BTC', tradeId: `b${i}`, price, size: 1, ts: T0 + i }),
      ),
      ...[1990, 2000, 2010].map((price, i) =>
        aTrade({
          symbol: 'ETH-USDT',
          base: 'ETH',
          venueSymbol: 'ETHUSDT',
          tradeId: `e${i}`,
          price,
          size: 2,
          ts: T0 + i,
        }),
      ),
      aTrade({
        symbol: 'SOL-USDT',
        base: 'SOL',
        venueSymbol: 'SOLUSDT',
        tradeId: 's0',
        price: 50,
        size: 10,
        ts: T0,
      }),
    ];
    await publisher.publish(TradeStream, trades);
    await waitFor('VWAP of the three symbols', () =>
      ['BTC-USDT', 'ETH-USDT', 'SOL-USDT'].every((s) =>
        detector!.components.detection.detector.vwaps.read(s, T0 + 20_000),
      ),
    );
    const liquidations = [
      liquidation('BTC-USDT', 'sell', 97.9, 9_999.99, 'btc-small'), // below BTC minimum
      liquidation('BTC-USDT', 'sell', 97.9, 10_000, 'btc-long'), // -2.1 % forced sell: buy signal
      liquidation('BTC-USDT', 'sell', 99, 20_000, 'btc-near'), // -1 %: no signal
      liquidation('BTC-USDT', 'buy', 97, 30_000, 'btc-buy-below'), // forced buy below VWAP: no signal
      liquidation('ETH-USDT', 'buy', 4_999, 4_999, 'eth-small'), // below ETH minimum
      liquidation('ETH-USDT', 'buy', 2_050, 5_000, 'eth-short'), // +2.5 % forced buy: sell signal
      liquidation('ETH-USDT', 'sell', 2_100, 8_000, 'eth-sell-above'), // forced sell above VWAP: no signal
      liquidation('SOL-USDT', 'sell', 40, 999, 'sol-small'), // below the default minimum
      liquidation('SOL-USDT', 'sell', 50, 1_000, 'sol-flat'), // at VWAP: no signal
      liquidation('DOGE-USDT', 'sell', 0.1, 2_000, 'doge-no-trades'), // no VWAP: no signal
    ];
    await publisher.publish(LiquidationStream, liquidations);

    const counters = await waitFor('counters', async () => {
      const value = await detector!.components.state.counters();
      return value.processed === 10 && value.stored === 7 && value.signals === 2 ? value : undefined;
    });
    expect(counters).toEqual({ processed: 10, filtered: 3, stored: 7, memory_rejections: 0, signals: 2 });

    const signals = await waitFor('two signals on the stream', async () => {
      const events = await streamEvents<LiquidationSignalMessage>(redis, LiquidationSignalStream);
      return events.length === 2 ? events : undefined;
    });
    const btcVwap = (99 + 100 + 101) / 3;
    const ethVwap = 2000;
    expect(signals).toEqual([
      {
        signalId: 'sig:btc-long',
        symbol: 'BTC-USDT',
        side: 'buy',
        entryReason: 'liquidation_long',
        vwap: btcVwap,
        vwapDeviation: ((97.9 - btcVwap) / btcVwap) * 100,
        liquidationSize: 10_000,
        liquidationEventId: 'btc-long',
        price: 97.9,
        ts: T0 + 20_000,
      },
      {
        signalId: 'sig:eth-short',
        symbol: 'ETH-USDT',
        side: 'sell',
        entryReason: 'liquidation_short',
        vwap: ethVwap,
        vwapDeviation: 2.5,
        liquidationSize: 5_000,
        liquidationEventId: 'eth-short',
        price: 2_050,
        ts: T0 + 20_000,
      },
    ]);
    expect(await detector.components.signals.active('BTC-USDT')).toEqual(signals[0]);
    expect(await detector.components.signals.active('ETH-USDT')).toEqual(signals[1]);
    expect(await detector.components.signals.activeSymbols()).toEqual(['BTC-USDT', 'ETH-USDT']);
    const ttl = await redis.ttl(activeSignalKey('BTC-USDT'));
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);

    expect(await detector.components.store.stats('BTC-USDT', 60, T0 + 20_000)).toEqual({
      symbol: 'BTC-USDT',
      windowMinutes: 60,
      total_count: 3,
      total_volume: 60_000,
      buy_count: 1,
      buy_volume: 30_000,
      sell_count: 2,
      sell_volume: 30_000,
    });
    expect((await detector.components.store.recent('ETH-USDT')).map((r) => r.eventId).sort()).toEqual([
      'eth-sell-above',
      'eth-short',
    ]);
    expect(await detector.components.store.symbols()).toEqual([
      'BTC-USDT',
      'DOGE-USDT',
      'ETH-USDT',
      'SOL-USDT',
    ]);
  });

  it('keeps a liquidation only when it reaches the 80th percentile of its symbol', async () => {
    detector = await startDetector({
      REDIS_URL: testRedisUrl(),
      PERCENTILE_MIN_SAMPLES: '50',
      LIQUIDATION_BATCH_TIMEOUT_MS: '20',
      COUNTERS_FLUSH_MS: '20',
      VWAP_ENABLED: 'false',
    });
    // Ascending history: each one is the largest so far, so all 100 pass; p80 of 10k..1M is about 800k.
    const history = Array.from({ length: 100 }, (_, i) => ({
      ...liquidation('BTC-USDT', 'sell', 100, 10_000 * (i + 1), `h${i}`),
      ts: T0 + i,
    }));
    await publisher.publish(LiquidationStream, history);
    await publisher.publish(LiquidationStream, [
      { ...liquidation('BTC-USDT', 'sell', 100, 700_000, 'below-p80'), ts: T0 + 200 },
      { ...liquidation('BTC-USDT', 'sell', 100, 900_000, 'above-p80'), ts: T0 + 201 },
    ]);
    const counters = await waitFor('102 processed', async () => {
      const value = await detector!.components.state.counters();
      return value.processed === 102 && detector!.components.writer.buffered === 0 ? value : undefined;
    });
    await detector.components.counters.flush();
    expect(await detector.components.state.counters()).toEqual({
      ...counters,
      processed: 102,
      filtered: 1,
      stored: 101,
    });
    const stored = new Set((await detector.components.store.recent('BTC-USDT', 200)).map((r) => r.eventId));
    expect(stored.has('above-p80')).toBe(true);
    expect(stored.has('below-p80')).toBe(false);
    const p80 = detector.components.detection.detector.percentiles.percentileOf('BTC-USDT', 80)!;
    const all = [...history.map((h) => h.notionalUsd), 700_000, 900_000].sort((a, b) => a - b);
    const exact = all[Math.floor(0.8 * (all.length - 1))]!;
    expect(Math.abs(p80 - exact) / exact).toBeLessThan(0.01);
    // The current threshold is published in Redis for the gateway (every COUNTERS_FLUSH_MS).
    const published = await waitFor('threshold published', async () => {
      const json = await new PercentileThresholdRepository(redis).oneJson('BTC-USDT');
      const value = json ? (JSON.parse(json) as PercentileThreshold) : undefined;
      return value?.samples === 102 ? value : undefined;
    });
    expect(published).toEqual({
      symbol: 'BTC-USDT',
      percentile: 80,
      threshold: p80,
      samples: 102,
      minSamples: 50,
      applies: true,
      updatedAt: published.updatedAt,
    });
    expect(Math.abs(published.updatedAt - Date.now())).toBeLessThan(5_000);
    expect(await redis.ttl(percentileThresholdsKey())).toBeGreaterThan(50);
  });

  it('serves health with the storage mode', async () => {
    detector = await startDetector({ REDIS_URL: testRedisUrl() });
    const response = await fetch(`${detector.url}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { checks: { storage: { mode: string } } };
    expect(body.checks.storage.mode).toBe('normal');
    const metrics = await (await fetch(`${detector.url}/metrics`)).text();
    expect(metrics).toContain('liquidation_detector_storage_mode{mode="normal"} 1');
    expect(metrics).toContain('liquidation_detector_events{counter="processed"} 0');
  });
});
