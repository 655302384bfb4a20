import type Redis from 'ioredis';
import { aLiquidation, aSignal } from '@mdp/schemas/testing';
import { createTestRedis } from '@mdp/testing';
import {
  ActiveSignalRepository,
  DetectorStateRepository,
  LiquidationStoreRepository,
  activeSignalKey,
  liquidationEventsKey,
  liquidationStatsKey,
  signalUpdateChannel,
} from '../src';

const T0 = 1_700_000_020_000; // 40 s into a minute

describe(LiquidationStoreRepository.name, () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('stores a batch once, with statistics per minute and hour, and skips a redelivery', async () => {
    const store = new LiquidationStoreRepository(redis);
    const batch = [
      aLiquidation({ eventId: 'a', orderSide: 'sell', notionalUsd: 20_000, ts: T0 }),
      aLiquidation({ eventId: 'b', orderSide: 'buy', notionalUsd: 30_000, ts: T0 + 1_000 }),
      aLiquidation({ eventId: 'c', orderSide: 'sell', notionalUsd: 50_000, ts: T0 + 30_000 }),
      aLiquidation({
        eventId: 'd',
        symbol: 'ETH-USDT',
        base: 'ETH',
        orderSide: 'buy',
        notionalUsd: 7_000,
        ts: T0,
      }),
    ];
    expect(await store.storeBatch(batch, 'normal')).toBe(4);
    expect(await store.storeBatch(batch, 'normal')).toBe(0);
    expect(await store.count('BTC-USDT')).toBe(3);
    expect(await store.symbols()).toEqual(['BTC-USDT', 'ETH-USDT']);
    expect(await store.stats('BTC-USDT', 1, T0 + 10_000)).toEqual({
      symbol: 'BTC-USDT',
      windowMinutes: 1,
      total_count: 2,
      total_volume: 50_000,
      buy_count: 1,
      buy_volume: 30_000,
      sell_count: 1,
      sell_volume: 20_000,
    });
    expect((await store.stats('BTC-USDT', 60, T0 + 30_000)).total_count).toBe(3);
    expect((await store.stats('BTC-USDT', 24 * 60, T0 + 30_000)).total_volume).toBe(100_000);
    expect(await redis.ttl(liquidationEventsKey('BTC-USDT'))).toBeGreaterThan(86_000);
    expect(
      await redis.ttl(liquidationStatsKey('BTC-USDT', '1m', Math.floor(T0 / 60_000) * 60_000)),
    ).toBeGreaterThan(7_000);
    const [newest] = await store.recent('BTC-USDT', 1);
    expect(newest).toMatchObject({
      eventId: 'c',
      orderSide: 'sell',
      notionalUsd: 50_000,
      ts: T0 + 30_000,
      positionSide: 'long',
    });
  });

  it('stores compact records in reduced mode with the short retention', async () => {
    const store = new LiquidationStoreRepository(redis);
    await store.storeBatch([aLiquidation({ eventId: 'x|y', notionalUsd: 12_345, ts: T0 })], 'reduced');
    const [record] = await store.recent('BTC-USDT');
    expect(record).toEqual({
      eventId: 'x|y',
      exchange: 'binance',
      symbol: 'BTC-USDT',
      orderSide: 'sell',
      price: 64_000,
      size: 1.5,
      notionalUsd: 12_345,
      ts: T0,
    });
    expect(await redis.ttl(liquidationEventsKey('BTC-USDT'))).toBeLessThanOrEqual(3_600);
  });

  it('cleans old events on schedule and trims aggressively under pressure', async () => {
    const store = new LiquidationStoreRepository(redis, {
      normalSeconds: 86_400,
      reducedSeconds: 3_600,
      aggressiveMaxPerSymbol: 5,
    });
    const now = T0 + 2 * 86_400_000;
    const events = Array.from({ length: 20 }, (_, i) =>
      aLiquidation({ eventId: `e${i}`, ts: now - (i < 10 ? 90_000_000 : 60_000 * i) }),
    );
    await store.storeBatch(events, 'normal');
    expect(await store.cleanup({ now })).toBe(10);
    expect(await store.count('BTC-USDT')).toBe(10);
    expect(await store.cleanup({ now, aggressive: true })).toBe(5);
    expect(await store.count('BTC-USDT')).toBe(5);
  });
});

describe(ActiveSignalRepository.name, () => {
  it('sets signal:active:<SYMBOL> with its TTL and announces it', async () => {
    const redis = await createTestRedis();
    const subscriber = redis.duplicate();
    const received: string[] = [];
    await subscriber.subscribe(signalUpdateChannel('BTC-USDT'));
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    const signals = new ActiveSignalRepository(redis);
    const signal = aSignal({ symbol: 'BTC-USDT' });
    await signals.activate(signal, 300);
    expect(await signals.active('BTC-USDT')).toEqual(signal);
    expect(await redis.ttl(activeSignalKey('BTC-USDT'))).toBeGreaterThan(290);
    expect(await signals.activeSymbols()).toEqual(['BTC-USDT']);
    for (let i = 0; i < 100 && received.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.map((json) => JSON.parse(json) as unknown)).toEqual([signal]);
    await subscriber.quit();
    await redis.quit();
  });
});

describe(DetectorStateRepository.name, () => {
  it('adds counters and reads memory', async () => {
    const redis = await createTestRedis();
    const state = new DetectorStateRepository(redis);
    await state.addCounters({ processed: 5, filtered: 2 });
    await state.addCounters({ processed: 1, stored: 3 });
    expect(await state.counters()).toEqual({
      processed: 6,
      filtered: 2,
      stored: 3,
      memory_rejections: 0,
      signals: 0,
    });
    const memory = await state.readMemory(240 * 1024 * 1024);
    expect(memory.usedBytes).toBeGreaterThan(0);
    expect(memory.maxBytes).toBeGreaterThan(0);
    await redis.quit();
  });
});
