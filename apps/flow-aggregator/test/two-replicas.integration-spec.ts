import type Redis from 'ioredis';
import { createTestRedis, waitFor } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { LiquidationStream, TradeStream } from '@mdp/schemas';
import { shardOf } from '@mdp/domain-flow';
import { startAggregator, type RunningAggregator } from './flow-aggregator.harness';
import { COINS, collect, events } from './flow-scenario';

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
