import type Redis from 'ioredis';
import { createTestRedis, waitFor } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { LiquidationStream, TradeStream } from '@mdp/schemas';
import { ReplicaPartitions } from '@mdp/transport';
import { FlowPartitions } from '../src/flow/flow-partitions';
import { startAggregator, type RunningAggregator } from './flow-aggregator.harness';
import { COINS, collect, events } from './flow-scenario';

async function run(redis: Redis, replicas: number[]): Promise<unknown> {
  const running: RunningAggregator[] = [];
  const publisher = new StreamPublisher(redis);
  try {
    for (const replica of replicas) {
      running.push(
        await startAggregator({
          FLOW_REPLICA: replica,
          FLOW_WINDOWS: '1m,5m',
          CANDLE_TIMEFRAMES: '1m,5m',
          FLOW_GRACE_MS: 1_000,
        }),
      );
    }
    // The partitions settled: each held by the replica that should hold it, every one held.
    await waitFor(
      'partitions spread over the replicas',
      () =>
        running.every((aggregator) =>
          aggregator.aggregation
            .heldPartitions()
            .every(
              (p) => ReplicaPartitions.ownerOf(p, replicas) === aggregator.aggregation.partitions.replica,
            ),
        ) &&
        running.reduce((sum, aggregator) => sum + aggregator.aggregation.heldPartitions().length, 0) === 16,
      { timeoutMs: 20_000 },
    );
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

  it('give the same snapshots, index, candles, notices and indicators as one (partitions by coin, one group per replica)', async () => {
    const partitions = new FlowPartitions(0, 16);
    // Both replicas hold a coin: BTC (partition 0) and ETH (12) replica 0, HYPE (1) replica 1.
    expect(COINS.map((coin) => ReplicaPartitions.ownerOf(partitions.partitionOf(coin.base), [0, 1]))).toEqual(
      [0, 0, 1],
    );
    const one = await run(redis, [0]);
    await redis.flushdb();
    const two = await run(redis, [0, 1]);
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
