import type Redis from 'ioredis';
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
import { shardOf } from '@mdp/domain-flow';
import { LiquidityFlowRepository } from '@mdp/data-access-flow';
import { startAggregator, type RunningAggregator } from './flow-aggregator.harness';
import { readAll } from './stream-events';

const T = 1_700_000_100_000;
const COINS = [
  { base: 'BTC', mid: 65_000 },
  { base: 'ETH', mid: 3_500 },
  { base: 'HYPE', mid: 30 },
];

/** 3 coins x 2 500 trades over 3 minutes (plus liquidations), then a trade that closes the first two minutes. */
function events(): { trades: TradeMessage[]; liquidations: LiquidationMessage[] } {
  let state = 42;
  const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const trades: TradeMessage[] = [];
  const liquidations: LiquidationMessage[] = [];
  for (let i = 0; i < 7_500; i++) {
    const coin = COINS[i % 3]!;
    const price = Math.round(coin.mid * (1 + (random() - 0.5) / 100) * 100) / 100;
    const size = [0.01, 0.1, 0.5, 1, 3, 20][Math.floor(random() * 6)]!;
    const ts = T + Math.floor((i / 7_500) * 170_000);
    trades.push(
      aTrade({
        symbol: `${coin.base}-USDT`,
        base: coin.base,
        venueSymbol: `${coin.base}USDT`,
        tradeId: String(i),
        price,
        size,
        notionalUsd: price * size,
        side: random() < 0.5 ? 'buy' : 'sell',
        ts,
        recvTs: ts,
      }),
    );
    if (i % 97 === 0) {
      liquidations.push(
        aLiquidation({
          symbol: `${coin.base}-USDT`,
          base: coin.base,
          eventId: `l${i}`,
          price,
          size,
          notionalUsd: price * size,
          positionSide: random() < 0.5 ? 'long' : 'short',
          ts,
          recvTs: ts,
        }),
      );
    }
  }
  trades.push(
    aTrade({
      base: 'BTC',
      tradeId: 'closer',
      price: 65_000,
      size: 1,
      notionalUsd: 65_000,
      ts: T + 185_000,
      recvTs: T + 185_000,
    }),
  );
  return { trades, liquidations };
}

/** Everything the aggregators wrote, without the write times: snapshots by key, closed candles, final notices. */
async function collect(redis: Redis): Promise<unknown> {
  const repository = new LiquidityFlowRepository(redis);
  const keys = (await redis.keys('liquidity-flow:*')).filter((key) => !key.endsWith(':index')).sort();
  const snapshots: Record<string, unknown> = {};
  for (const key of keys) {
    const { expiresAt: _expiresAt, ...rest } = (await repository.retrieve(key))!;
    snapshots[key] = rest;
  }
  const indexes: Record<string, string[]> = {};
  for (const key of (await redis.keys('liquidity-flow:*:index')).sort())
    indexes[key] = await redis.zrange(key, 0, -1);
  const candles = (await readAll<CandleMessage>(redis, CandleStream)).sort(
    (a, b) =>
      a.symbol.localeCompare(b.symbol) || a.timeframe.localeCompare(b.timeframe) || a.openTime - b.openTime,
  );
  const finals = (await readAll<FlowSnapshotNoticeMessage>(redis, FlowSnapshotStream))
    .filter((n) => n.final)
    .map(({ writtenAt: _w, ...n }) => n)
    .sort((a, b) => a.key.localeCompare(b.key));
  const indicators: Record<string, unknown> = {};
  for (const coin of COINS) {
    const value = await redis.get(`stocks:indicators:${coin.base}`);
    if (value) {
      const { timestamp: _t, ...rest } = JSON.parse(value) as Record<string, unknown>;
      indicators[coin.base] = rest;
    }
  }
  return { snapshots, indexes, candles, finals, indicators };
}

async function run(redis: Redis, replicas: Array<{ index: number; count: number }>): Promise<unknown> {
  const running: RunningAggregator[] = [];
  const publisher = new StreamPublisher(redis);
  try {
    for (const shard of replicas) {
      running.push(
        await startAggregator({
          FLOW_SHARD_INDEX: shard.index,
          FLOW_SHARD_COUNT: shard.count,
          FLOW_WINDOWS: '1m,5m',
          CANDLE_TIMEFRAMES: '1m,5m',
          FLOW_GRACE_MS: 1_000,
        }),
      );
    }
    // Trades in event-time order, then liquidations (those of already closed minutes are late in
    // every replica alike), then the trade that closes the third minute: each phase fully consumed
    // before the next, so what each replica sees is deterministic.
    const { trades, liquidations } = events();
    const closer = trades.pop()!;
    const consumed = (definition: typeof TradeStream | typeof LiquidationStream) =>
      waitFor(
        `${definition.stream} consumed`,
        async () => {
          const groups = (await redis.xinfo('GROUPS', definition.stream)) as unknown[][];
          return (
            groups.length === replicas.length &&
            groups.every((g) => g[g.indexOf('lag') + 1] === 0 && g[g.indexOf('pending') + 1] === 0)
          );
        },
        { timeoutMs: 45_000 },
      );
    await publisher.publish(TradeStream, trades);
    await consumed(TradeStream);
    await publisher.publish(LiquidationStream, liquidations);
    await consumed(LiquidationStream);
    await publisher.publish(TradeStream, [closer]);
    await consumed(TradeStream);
    for (const aggregator of running) await aggregator.aggregation.tick();
    return await collect(redis);
  } finally {
    for (const aggregator of running) await aggregator.close();
    await publisher.close();
  }
}

describe('two replicas', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('give the same snapshots, index, candles, notices and indicators as one (partitioned by coin, one group per shard)', async () => {
    expect(new Set(COINS.map((coin) => shardOf(coin.base, 2)))).toEqual(new Set([0, 1])); // both replicas own a coin
    const one = await run(redis, [{ index: 0, count: 1 }]);
    await redis.flushdb();
    const two = await run(redis, [
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ]);
    const summary = one as {
      snapshots: Record<string, { data: { metrics: { totalTrades: number; totalLiquidations: number } } }>;
      candles: unknown[];
      finals: unknown[];
    };
    expect(
      summary.snapshots['liquidity-flow:BTC:1m:1700000220000']!.data.metrics.totalLiquidations,
    ).toBeGreaterThan(0);
    expect(Object.keys(summary.snapshots)).toHaveLength(3 * 3 + 1 + 3); // per coin 3 minutes of 1m and one 5m; BTC also the closer's minute
    expect(summary.snapshots['liquidity-flow:HYPE:5m:1700000100000']!.data.metrics.totalTrades).toBe(2_500);
    expect(summary.finals).toHaveLength(3 * 3); // the first three minutes closed
    expect(summary.candles.length).toBe(3 * 3);
    expect(two).toEqual(one);
  }, 120_000);
});
