import type Redis from 'ioredis';
import { register, type Histogram } from 'prom-client';
import { createTestRedis, waitFor } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import {
  CandleStream,
  FlowSnapshotStream,
  LiquidationStream,
  TradeStream,
  type CandleMessage,
  type FlowSnapshotNoticeMessage,
  type LiquidationMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { LiquidityFlowRepository, flowIndexKey, flowSnapshotKey } from '@mdp/data-access-flow';
import { startAggregator, type RunningAggregator } from './flow-aggregator.harness';
import { referenceFlowData } from './flow.reference';
import { readAll } from './stream-events';

const T = 1_700_000_100_000; // a 1m and 5m boundary
const COINS = {
  BTC: {
    symbol: 'BTC-USDT',
    venueSymbol: 'BTCUSDT',
    base: 'BTC',
    mid: 65_000,
    bucket: 10,
    whaleUsd: 100_000,
    sizes: [0.125, 0.25, 0.5, 1, 2, 4],
  },
  ETH: {
    symbol: 'ETH-USDT',
    venueSymbol: 'ETHUSDT',
    base: 'ETH',
    mid: 3_500,
    bucket: 1,
    whaleUsd: 50_000,
    sizes: [0.5, 1, 2, 8, 16],
  },
} as const;
type Coin = keyof typeof COINS;

/** A deterministic pseudo-random sequence (LCG), so the trade sequence is known and repeatable. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

let tradeId = 0;
function trade(coin: Coin, price: number, size: number, side: 'buy' | 'sell', ts: number): TradeMessage {
  const c = COINS[coin];
  return aTrade({
    symbol: c.symbol,
    venueSymbol: c.venueSymbol,
    base: c.base,
    tradeId: String(++tradeId),
    price,
    size,
    notionalUsd: price * size,
    side,
    ts,
    recvTs: ts + 5,
  });
}

function liquidation(
  coin: Coin,
  price: number,
  size: number,
  positionSide: 'long' | 'short',
  ts: number,
): LiquidationMessage {
  const c = COINS[coin];
  return aLiquidation({
    symbol: c.symbol,
    venueSymbol: c.venueSymbol,
    base: c.base,
    eventId: `liq-${ts}-${price}`,
    price,
    size,
    notionalUsd: price * size,
    positionSide,
    orderSide: positionSide === 'long' ? 'sell' : 'buy',
    ts,
    recvTs: ts + 5,
  });
}

/** Trades of a coin spread over [from, from + spanMs), integer prices, binary-exact sizes (sums are exact). */
function trades(coin: Coin, count: number, from: number, spanMs: number, seed: number): TradeMessage[] {
  const random = sequence(seed);
  const c = COINS[coin];
  return Array.from({ length: count }, (_, i) => {
    const price = c.mid + Math.floor(random() * 100) - 50;
    const size = c.sizes[Math.floor(random() * c.sizes.length)]!;
    return trade(
      coin,
      price,
      size,
      random() < 0.55 ? 'buy' : 'sell',
      from + Math.floor((i * spanMs) / count) + Math.floor(random() * 100),
    );
  });
}

describe('flow aggregator (real Redis)', () => {
  let redis: Redis;
  let publisher: StreamPublisher;
  let aggregator: RunningAggregator | null = null;

  beforeEach(async () => {
    redis = await createTestRedis();
    publisher = new StreamPublisher(redis);
  });
  afterEach(async () => {
    await aggregator?.close();
    aggregator = null;
    await publisher.close();
    await redis.quit();
  });

  function windowTrades(coin: Coin, window: '1m' | '5m', start: number): number {
    return aggregator!.aggregation.windowAt(coin, window, start)?.totalTrades ?? 0;
  }

  it('writes final and periodic snapshots whose every field and time-series point equal an independent computation; late events within grace count', async () => {
    aggregator = await startAggregator({
      FLOW_COINS: 'BTC,ETH',
      FLOW_WINDOWS: '1m,5m',
      FLOW_GRACE_MS: 2_000,
      FLOW_PRUNE_MIN_VOLUME_SHARE: 0,
      FLOW_SIZE_BUDGET_FACTOR: 0,
    });
    const btc = trades('BTC', 120, T, 58_000, 7);
    const eth = trades('ETH', 60, T, 58_000, 11);
    const liquidations = [
      liquidation('BTC', 64_990, 1.5, 'long', T + 12_000),
      liquidation('BTC', 65_040, 0.5, 'short', T + 40_000),
      liquidation('ETH', 3_480, 10, 'long', T + 30_000),
    ];
    await publisher.publish(TradeStream, [...btc, ...eth]);
    await publisher.publish(LiquidationStream, liquidations);
    await waitFor(
      'phase 1 consumed',
      () =>
        windowTrades('BTC', '1m', T) === 120 &&
        windowTrades('ETH', '1m', T) === 60 &&
        aggregator!.aggregation.windowAt('ETH', '1m', T)!.toFlowData().metrics.totalLiquidations === 1 &&
        aggregator!.aggregation.windowAt('BTC', '1m', T)!.toFlowData().metrics.totalLiquidations === 2,
    );

    // Next minute starts; then a late trade (within grace) for the first minute; then the watermark passes end + grace.
    const next = trade('BTC', 65_100, 1, 'buy', T + 60_500);
    const lateInGrace = trade('BTC', 64_960, 0.25, 'sell', T + 30_000);
    const closer = trade('BTC', 65_110, 0.5, 'sell', T + 62_000);
    await publisher.publish(TradeStream, [next, lateInGrace, closer]);
    const key = flowSnapshotKey('BTC', '1m', T);
    await waitFor('final 1m snapshot', () => redis.exists(key).then((n) => n === 1), { timeoutMs: 30_000 });
    const tooLate = trade('BTC', 64_950, 4, 'buy', T + 20_000); // the 1m window has closed: dropped there, counts in 5m
    await publisher.publish(TradeStream, [tooLate]);
    await waitFor('too-late trade consumed', () => windowTrades('BTC', '5m', T) === 124, {
      timeoutMs: 30_000,
    });
    expect(aggregator.aggregation.lateDropped()).toBe(1);

    const repository = new LiquidityFlowRepository(redis);
    const btcFinal = await repository.retrieve(key);
    const btcEvents = [...btc, lateInGrace];
    const btcLiqs = liquidations.filter((l) => l.base === 'BTC');
    expect(btcFinal!.data).toEqual(
      referenceFlowData(btcEvents, btcLiqs, { start: T, stepMs: 5_000, bucket: 10, whaleUsd: 100_000 }),
    );
    expect(btcFinal).toMatchObject({ key, coin: 'BTC', timeWindow: '1m', timestamp: T });
    expect(btcFinal!.data.metrics.totalTrades).toBe(121);
    expect(btcFinal!.data.metrics.whaleTradeCount).toBeGreaterThan(0);
    expect(btcFinal!.data.timeSeries).toHaveLength(12);
    const ethFinal = await repository.retrieve(flowSnapshotKey('ETH', '1m', T));
    expect(ethFinal!.data).toEqual(
      referenceFlowData(
        eth,
        liquidations.filter((l) => l.base === 'ETH'),
        { start: T, stepMs: 5_000, bucket: 1, whaleUsd: 50_000 },
      ),
    );

    // TTLs from the seed table (counting down since the write), index in step, expiresAt truthful.
    const finalNotice = (await readAll<FlowSnapshotNoticeMessage>(redis, FlowSnapshotStream)).find(
      (n) => n.key === key,
    )!;
    await expectTtl(redis, key, 3_600, finalNotice.writtenAt);
    expect(btcFinal!.expiresAt).toBe(finalNotice.writtenAt + 3_600_000);
    expect(await redis.zrange(flowIndexKey('BTC', '1m'), 0, -1, 'WITHSCORES')).toEqual([key, String(T)]);

    // The open 5m window is written by the periodic tick (final: false), with every event including the late ones.
    await aggregator.aggregation.tick();
    const fiveMinute = await repository.retrieve(flowSnapshotKey('BTC', '5m', T));
    expect(fiveMinute!.data).toEqual(
      referenceFlowData([...btc, next, lateInGrace, closer, tooLate], btcLiqs, {
        start: T,
        stepMs: 30_000,
        bucket: 10,
        whaleUsd: 100_000,
      }),
    );
    const fiveMinuteNotice = (await readAll<FlowSnapshotNoticeMessage>(redis, FlowSnapshotStream)).find(
      (n) => n.key === flowSnapshotKey('BTC', '5m', T),
    )!;
    expect(fiveMinute!.expiresAt).toBe(fiveMinuteNotice.writtenAt + 14_400_000);
    await expectTtl(redis, flowSnapshotKey('BTC', '5m', T), 14_400, fiveMinuteNotice.writtenAt);

    const notices = await readAll<FlowSnapshotNoticeMessage>(redis, FlowSnapshotStream);
    const byKey = (k: string) => notices.filter((n) => n.key === k);
    expect(
      byKey(key).map((n) => [n.final, n.totalTrades, n.netFlow, n.timeWindow, n.timestamp, n.coin]),
    ).toEqual([[true, 121, btcFinal!.data.metrics.netFlow, '1m', T, 'BTC']]);
    expect(byKey(flowSnapshotKey('BTC', '5m', T)).map((n) => [n.final, n.totalTrades])).toEqual([
      [false, 124],
    ]);
    expect(byKey(flowSnapshotKey('BTC', '1m', T + 60_000)).map((n) => [n.final, n.totalTrades])).toEqual([
      [false, 2],
    ]);

    // An expired snapshot's index entry is removed by the periodic prune.
    await redis.pexpire(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await aggregator.aggregation.pruneIndexes();
    expect(await redis.zrange(flowIndexKey('BTC', '1m'), 0, -1)).toEqual([
      flowSnapshotKey('BTC', '1m', T + 60_000),
    ]);
  }, 90_000);

  it('rewrites a changed open window within FLOW_PUBLISH_INTERVAL_MS, a larger one no more often than its FLOW_PUBLISH_SPACING_MS', async () => {
    aggregator = await startAggregator({
      FLOW_WINDOWS: '1m,1h',
      FLOW_PUBLISH_INTERVAL_MS: 20,
      FLOW_PUBLISH_SPACING_MS: '1h:3600000',
    });
    const notices = async (window: string): Promise<FlowSnapshotNoticeMessage[]> =>
      (await readAll<FlowSnapshotNoticeMessage>(redis, FlowSnapshotStream)).filter(
        (notice) => notice.timeWindow === window && notice.coin === 'BTC',
      );
    const applied = async () => {
      const values = (await (register.getSingleMetric('flow_apply_delay_seconds') as Histogram).get()).values;
      const of = (name: string) =>
        values.find((v) => v.metricName === name && v.labels['stream'] === TradeStream.stream)?.value ?? 0;
      return { count: of('flow_apply_delay_seconds_count'), sum: of('flow_apply_delay_seconds_sum') };
    };
    const appliedBefore = await applied();
    let total = 0;
    for (let batch = 0; batch < 4; batch++) {
      // No tick is driven here: the aggregator's own timer writes the 1m window after each batch.
      await publisher.publish(TradeStream, trades('BTC', 25, T + batch * 10_000, 10_000, 40 + batch));
      total += 25;
      await waitFor(`the 1m snapshot with ${total} trades`, async () =>
        (await notices('1m')).some((notice) => notice.totalTrades === total),
      );
      const stored = await new LiquidityFlowRepository(redis).retrieve(flowSnapshotKey('BTC', '1m', T));
      expect(stored!.data.metrics.totalTrades).toBe(total);
    }
    // Each batch was one delivery, its age (XADD -> applied) observed once: under a minute, never negative.
    const appliedAfter = await applied();
    expect(appliedAfter.count - appliedBefore.count).toBe(4);
    expect(appliedAfter.sum - appliedBefore.sum).toBeGreaterThanOrEqual(0);
    expect(appliedAfter.sum - appliedBefore.sum).toBeLessThan(60);
    const hourly = await notices('1h');
    // Written once, at its first change; the three later changes fall within its 1 h spacing.
    expect(hourly.map((notice) => [notice.totalTrades, notice.final])).toEqual([[25, false]]);
    expect((await notices('1m')).every((notice) => !notice.final)).toBe(true);
  });

  it('counts a trade or liquidation written twice to the stream once (ids per venue and symbol)', async () => {
    aggregator = await startAggregator({ FLOW_COINS: 'BTC', FLOW_WINDOWS: '1m' });
    const once = trade('BTC', 65_000, 1, 'buy', T + 1_000);
    const sameIdOtherVenue = { ...once, exchange: 'okx' as const, venueSymbol: 'BTC-USDT-SWAP' };
    const liq = liquidation('BTC', 64_000, 2, 'long', T + 2_000);
    await publisher.publish(TradeStream, [once]);
    await publisher.publish(TradeStream, [once, sameIdOtherVenue]); // a retried XADD landing twice
    await publisher.publish(LiquidationStream, [liq]);
    await publisher.publish(LiquidationStream, [liq]);
    await waitFor(
      'consumed',
      async () => {
        const groups = [
          ...((await redis.xinfo('GROUPS', TradeStream.stream)) as unknown[][]),
          ...((await redis.xinfo('GROUPS', LiquidationStream.stream)) as unknown[][]),
        ];
        return (
          groups.length === 2 &&
          groups.every((g) => g[g.indexOf('lag') + 1] === 0 && g[g.indexOf('pending') + 1] === 0)
        );
      },
      { timeoutMs: 30_000 },
    );
    const metrics = aggregator.aggregation.windowAt('BTC', '1m', T)!.toFlowData().metrics;
    expect([metrics.totalTrades, metrics.totalBuyVolume, metrics.totalLiquidations]).toEqual([2, 2, 1]);
  }, 90_000);

  it('keeps snapshots within the size budget by dropping the smallest nodes, metrics unchanged', async () => {
    aggregator = await startAggregator({
      FLOW_COINS: 'BTC',
      FLOW_WINDOWS: '1m',
      FLOW_BUCKET_SIZES: 'BTC:1',
      FLOW_PRUNE_MIN_VOLUME_SHARE: 0,
      FLOW_SIZE_BUDGET_FACTOR: 1,
    });
    const many = trades('BTC', 400, T, 58_000, 3).map((t, i) => ({
      ...t,
      price: 64_800 + i,
      notionalUsd: (64_800 + i) * t.size,
    }));
    await publisher.publish(TradeStream, many);
    await waitFor('consumed', () => windowTrades('BTC', '1m', T) === 400, { timeoutMs: 30_000 });
    await aggregator.aggregation.tick();
    const raw = (await redis.get(flowSnapshotKey('BTC', '1m', T)))!;
    expect(raw.length).toBeLessThanOrEqual(5_000);
    const stored = await new LiquidityFlowRepository(redis).retrieve(flowSnapshotKey('BTC', '1m', T));
    expect(stored!.data.nodes.length).toBeLessThan(400);
    const reference = referenceFlowData(many, [], { start: T, stepMs: 5_000, bucket: 1, whaleUsd: 100_000 });
    expect(stored!.data.metrics).toEqual(reference.metrics);
    // The nodes kept are the largest (by volume) and as many as fit: every dropped one is no larger
    // than the smallest kept, and adding back the largest dropped one would break the budget.
    const kept = new Set(stored!.data.nodes.map(([price]) => price));
    const volume = ([, node]: (typeof reference.nodes)[number]) => node.buyVolume + node.sellVolume;
    const dropped = reference.nodes.filter(([price]) => !kept.has(price));
    const pinned = [
      reference.metrics.highestBuyLevel,
      reference.metrics.highestSellLevel,
      reference.metrics.mostActivePrice,
    ];
    const smallestKept = Math.min(
      ...reference.nodes.filter(([price]) => kept.has(price) && !pinned.includes(price)).map(volume),
    );
    expect(dropped.every((node) => volume(node) <= smallestKept)).toBe(true);
    const largestDropped = dropped.reduce((a, b) => (volume(b) > volume(a) ? b : a));
    expect(raw.length + JSON.stringify(largestDropped).length + 1).toBeGreaterThan(5_000);
    expect(stored!.data.nodes.map(([price]) => price)).toEqual([...kept].sort((a, b) => a - b));
  }, 90_000);

  it('keeps live candles in candle:current hashes with a TTL, publishes closed candles, and writes RSI/MACD/Bollinger on close', async () => {
    aggregator = await startAggregator({
      FLOW_COINS: 'BTC',
      FLOW_WINDOWS: '1m',
      CANDLE_TIMEFRAMES: '1m,5m',
      FLOW_GRACE_MS: 0,
    });
    // 40 minutes with four trades each: open, high, low, close known per minute.
    const closes = Array.from(
      { length: 40 },
      (_, i) => 65_000 + Math.round(300 * Math.sin(i / 4)) + (i % 3) * 7,
    );
    const all: TradeMessage[] = [];
    closes.forEach((close, i) => {
      const start = T + i * 60_000;
      all.push(
        trade('BTC', close - 20, 0.5, 'buy', start + 1_000),
        trade('BTC', close + 30, 0.25, 'sell', start + 10_000),
        trade('BTC', close - 40, 1, 'buy', start + 20_000),
        trade('BTC', close, 0.125, 'sell', start + 50_000),
      );
    });
    await publisher.publish(TradeStream, all);
    await waitFor(
      '39 closed 1m candles',
      async () =>
        (await readAll<CandleMessage>(redis, CandleStream)).filter((c) => c.timeframe === '1m').length === 39,
    );
    const closed = (await readAll<CandleMessage>(redis, CandleStream)).filter((c) => c.timeframe === '1m');
    expect(closed[0]).toEqual({
      symbol: 'BTC',
      exchange: 'all',
      timeframe: '1m',
      openTime: T,
      open: closes[0]! - 20,
      high: closes[0]! + 30,
      low: closes[0]! - 40,
      close: closes[0],
      volume: 1.875,
      notionalUsd:
        (closes[0]! - 20) * 0.5 + (closes[0]! + 30) * 0.25 + (closes[0]! - 40) + closes[0]! * 0.125,
      trades: 4,
      closed: true,
    });
    expect(closed.map((c) => c.close)).toEqual(closes.slice(0, 39));
    const fiveMinute = (await readAll<CandleMessage>(redis, CandleStream)).filter(
      (c) => c.timeframe === '5m',
    );
    expect(fiveMinute.map((c) => [c.openTime, c.open, c.close, c.trades])).toEqual(
      Array.from({ length: 7 }, (_, k) => [T + k * 300_000, closes[k * 5]! - 20, closes[k * 5 + 4], 20]),
    );

    const liveWrittenAt = Date.now();
    await aggregator.aggregation.writeLiveCandles();
    const live = await redis.hgetall('candle:current:1m:BTC');
    expect(live).toMatchObject({
      symbol: 'BTC',
      timeframe: '1m',
      openTime: String(T + 39 * 60_000),
      open: String(closes[39]! - 20),
      close: String(closes[39]),
      trades: '4',
      closed: '0',
    });
    const pttl = await redis.pttl('candle:current:1m:BTC');
    expect(pttl).toBeGreaterThanOrEqual(120_000 - (Date.now() - liveWrittenAt) - 5); // 2 x 1m + grace 0
    expect(pttl).toBeLessThanOrEqual(120_000);

    const indicators = JSON.parse((await redis.get('stocks:indicators:BTC'))!) as Record<string, number>;
    const series = closes.slice(0, 39);
    const { rsi, macd, signal, upper, lower } = textbook(series);
    expect(indicators['rsi_14']).toBeCloseTo(rsi, 9);
    expect(indicators['macd']).toBeCloseTo(macd, 9);
    expect(indicators['macd_signal']).toBeCloseTo(signal, 9);
    expect(indicators['bollinger_upper']).toBeCloseTo(upper, 9);
    expect(indicators['bollinger_lower']).toBeCloseTo(lower, 9);
    expect(indicators['bollinger_width']).toBeCloseTo(upper - lower, 9);
    expect(indicators['candle_open_time']).toBe(T + 38 * 60_000);
    expect(await redis.ttl('stocks:indicators:BTC')).toBeGreaterThan(86_400 - 120);
  }, 90_000);

  it('publishes a candle that closes while the previous closed candles are being published', async () => {
    aggregator = await startAggregator({ CANDLE_TIMEFRAMES: '1m', FLOW_GRACE_MS: 0 });
    const service = aggregator.aggregation;
    const trade = (minute: number) =>
      aTrade({
        base: 'BTC',
        tradeId: `m${minute}`,
        ts: T + minute * 60_000 + 1,
        recvTs: T + minute * 60_000 + 1,
      });
    await service.onTrades([trade(0)]);
    // Minute 1 closes right after the candle stream's XADD of minute 0 is acknowledged and before
    // the aggregator takes minute 0 off its queue (the publish wrapped only to time the event; the
    // write itself is the real one).
    const publish = service.publisher.publish.bind(service.publisher);
    const injected: { during: Promise<void> | null } = { during: null };
    service.publisher.publish = (definition, events) => {
      const sent = publish(definition, events);
      // Runs once Redis took minute 0, just before the aggregator goes on after its publish.
      if (definition === CandleStream && !injected.during)
        injected.during = sent.then(() => service.onTrades([trade(2)]));
      return sent;
    };
    await service.onTrades([trade(1)]);
    await injected.during;
    await service.flushClosed();
    await service.publisher.flush();
    const closed = (await readAll<CandleMessage>(redis, CandleStream)).map((candle) => candle.openTime);
    expect(closed).toEqual([T, T + 60_000]);
  });

  it('marks positions:active to the last trade (TTL kept) and writes positions:monitoring', async () => {
    aggregator = await startAggregator({ FLOW_COINS: 'BTC', FLOW_WINDOWS: '1h' });
    const position = {
      symbol: 'BTC',
      entry_price: 64_000,
      current_price: 64_000,
      quantity: 0.5,
      side: 'long',
      entry_time: new Date(T - 3_600_000).toISOString(),
      unrealized_pnl: 0,
      unrealized_pnl_pct: 0,
      stop_loss: 62_000,
      take_profit: 70_000,
      last_update: new Date(T - 3_600_000).toISOString(),
    };
    await redis.set('positions:active:BTC', JSON.stringify(position), 'EX', 600);
    await publisher.publish(TradeStream, [
      trade('BTC', 65_000, 1, 'buy', T + 1_000),
      trade('BTC', 66_000, 2, 'sell', T + 2_000),
      trade('BTC', 65_600, 0.5, 'buy', T + 3_000),
    ]);
    await waitFor('consumed', () => aggregator!.aggregation.lastPrice('BTC')?.price === 65_600, {
      timeoutMs: 30_000,
    });
    const now = T + 3_600_000 + 5_000;
    expect(await aggregator.positions.update(now)).toBe(1);
    const active = JSON.parse((await redis.get('positions:active:BTC'))!) as Record<string, unknown>;
    expect(active).toEqual({
      ...position,
      current_price: 65_600,
      unrealized_pnl: 800,
      unrealized_pnl_pct: 2.5,
      last_update: new Date(now).toISOString(),
    });
    const activeTtl = await redis.ttl('positions:active:BTC');
    expect(activeTtl).toBeGreaterThan(0); // kept (KEEPTTL), not removed
    expect(activeTtl).toBeLessThanOrEqual(600);
    const monitoring = JSON.parse((await redis.get('positions:monitoring:BTC'))!) as Record<string, unknown>;
    expect(monitoring).toEqual({
      technical_signals: { support_resistance: { next_level: 66_000, type: 'resistance' } },
      profit_target: { value: 70_000, distance: '6.7%' },
      stop_loss: { value: 62_000, distance: '5.5%' },
      time_in_trade: '02:00:05',
      timestamp: new Date(now).toISOString(),
    });
    expect(await redis.ttl('positions:monitoring:BTC')).toBeGreaterThan(3_600 - 120);
    // No position: nothing is written for another symbol; no new trades: nothing to do.
    expect(await aggregator.positions.update(now)).toBe(0);
  }, 90_000);
});

/** The key's TTL is the window's, counted down since it was written at `writtenAt`. */
async function expectTtl(redis: Redis, key: string, seconds: number, writtenAt: number): Promise<void> {
  const ttl = await redis.ttl(key);
  expect(ttl).toBeLessThanOrEqual(seconds);
  expect(ttl).toBeGreaterThanOrEqual(seconds - Math.ceil((Date.now() - writtenAt) / 1_000) - 1);
}

function textbook(closes: number[]): {
  rsi: number;
  macd: number;
  signal: number;
  upper: number;
  lower: number;
} {
  const changes = closes.slice(1).map((c, i) => c - closes[i]!);
  let gain = changes.slice(0, 14).reduce((s, c) => s + Math.max(c, 0), 0) / 14;
  let loss = changes.slice(0, 14).reduce((s, c) => s + Math.max(-c, 0), 0) / 14;
  for (const c of changes.slice(14)) {
    gain = (gain * 13 + Math.max(c, 0)) / 14;
    loss = (loss * 13 + Math.max(-c, 0)) / 14;
  }
  const ema = (values: number[], n: number) =>
    values.reduce<number[]>(
      (out, v, i) => [...out, i === 0 ? v : v * (2 / (n + 1)) + out[i - 1]! * (1 - 2 / (n + 1))],
      [],
    );
  const fast = ema(closes, 12);
  const slow = ema(closes, 26);
  const line = closes.map((_, i) => fast[i]! - slow[i]!).slice(25);
  const signalLine = ema(line, 9);
  const last20 = closes.slice(-20);
  const mean = last20.reduce((a, b) => a + b, 0) / 20;
  const sd = Math.sqrt(last20.reduce((a, b) => a + (b - mean) ** 2, 0) / 20);
  return {
    rsi: 100 - 100 / (1 + gain / loss),
    macd: line[line.length - 1]!,
    signal: signalLine[signalLine.length - 1]!,
    upper: mean + 2 * sd,
    lower: mean - 2 * sd,
  };
}
