import Redis from 'ioredis';
import { createTestRedis, freePort, PrivateRedis, spawnTs, testRedisUrl, waitFor } from '@mdp/testing';
import { Packr } from 'msgpackr';
import { StreamPublisher, partitionCheckpointKey } from '@mdp/transport';
import { LiquidationStream, TradeStream, type TradeMessage } from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';
import { flowShardCheckpointKey } from '@mdp/data-access-flow';
import { startAggregator, type RunningAggregator } from './flow-aggregator.harness';
import { collect, events } from './flow-scenario';

// The scenario of two-replicas.integration-spec.ts: 7,500 trades of 3 coins over 3 minutes, their
// liquidations, then a trade that closes the third minute; 1m and 5m windows and candles.
const SETTINGS = {
  FLOW_WINDOWS: '1m,5m',
  CANDLE_TIMEFRAMES: '1m,5m',
  FLOW_GRACE_MS: '1000',
  FLOW_WALL_CLOCK_CLOSE: 'false',
};
const CHUNKS = 15;
/** The checkpoint of BTC's partition (0 of 16). */
const BTC_CHECKPOINT = partitionCheckpointKey('flow-aggregator', 0, 16);

async function groupState(redis: Redis, stream: string): Promise<{ lag: number; pending: number } | null> {
  const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
  const group = groups.find((g) => g[g.indexOf('name') + 1] === 'flow-aggregator');
  if (!group) return null;
  return {
    lag: Number(group[group.indexOf('lag') + 1]),
    pending: Number(group[group.indexOf('pending') + 1]),
  };
}

async function consumed(redis: Redis, stream: string): Promise<void> {
  await waitFor(
    `${stream} consumed and acknowledged`,
    async () => {
      const state = await groupState(redis, stream);
      return state !== null && state.lag === 0 && state.pending === 0;
    },
    { timeoutMs: 45_000 },
  );
}

/**
 * The scenario's phases (trades, then liquidations, then the closing trade; each consumed before
 * the next, so what the aggregator sees is deterministic), with `afterChunk(chunk)` run after each
 * of the CHUNKS chunks of trades is published.
 */
async function feed(
  redis: Redis,
  publisher: StreamPublisher,
  afterChunk: (chunk: number) => Promise<void>,
): Promise<TradeMessage> {
  const { trades, liquidations } = events();
  const closer = trades.pop()!;
  const size = Math.ceil(trades.length / CHUNKS);
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    await publisher.publish(TradeStream, trades.slice(chunk * size, (chunk + 1) * size));
    await afterChunk(chunk);
  }
  await consumed(redis, TradeStream.stream);
  await publisher.publish(LiquidationStream, liquidations);
  await consumed(redis, LiquidationStream.stream);
  return closer;
}

describe('flow aggregator checkpoint', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('after a kill -9 mid-stream, the restarted aggregator writes exactly what an uninterrupted run writes', async () => {
    const overrides = {
      FLOW_WINDOWS: SETTINGS.FLOW_WINDOWS,
      CANDLE_TIMEFRAMES: SETTINGS.CANDLE_TIMEFRAMES,
      FLOW_GRACE_MS: 1_000,
    };
    // Uninterrupted.
    let publisher = new StreamPublisher(redis, { maxEventsPerEntry: 20 });
    let aggregator = await startAggregator(overrides);
    try {
      const closer = await feed(redis, publisher, () => Promise.resolve());
      await publisher.publish(TradeStream, [closer]);
      await consumed(redis, TradeStream.stream);
      await aggregator.aggregation.tick();
    } finally {
      await aggregator.close();
      await publisher.close();
    }
    const uninterrupted = await collect(redis);
    await redis.flushdb();

    // The same events; the service (main.ts, a process of its own) is killed with SIGKILL after the
    // 7th chunk of trades, while it holds read, unacknowledged entries and a checkpoint exists.
    publisher = new StreamPublisher(redis, { maxEventsPerEntry: 20 });
    const port = await freePort();
    const child = spawnTs('apps/flow-aggregator/src/main.ts', {
      env: {
        REDIS_URL: testRedisUrl(),
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        STREAM_BLOCK_MS: '100',
        STREAM_READ_COUNT: '2',
        FLOW_CHECKPOINT_INTERVAL_MS: '100',
        FLOW_PUBLISH_INTERVAL_MS: '3600000',
        FLOW_HEARTBEAT_MS: '200',
        FLOW_LEASE_MS: '2000',
        ...SETTINGS,
      },
    });
    let killedWith = { pending: 0, lag: 0 };
    try {
      await waitFor(
        'the child aggregator ready',
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null))?.status === 200,
        { timeoutMs: 45_000, intervalMs: 100 },
      );
      const restarted: { aggregator: RunningAggregator | null } = { aggregator: null };
      const closer = await feed(redis, publisher, async (chunk) => {
        if (chunk !== 6) return;
        killedWith = await waitFor(
          'read, unacknowledged entries and a checkpoint',
          async () => {
            const state = await groupState(redis, TradeStream.stream);
            const checkpoint = await redis.exists(BTC_CHECKPOINT);
            return state && state.pending > 0 && checkpoint === 1 ? state : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 1 },
        );
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
        restarted.aggregator = await startAggregator(overrides);
      });
      aggregator = restarted.aggregator!;
      await publisher.publish(TradeStream, [closer]);
      await consumed(redis, TradeStream.stream);
      await aggregator.aggregation.tick();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await aggregator.close();
      await publisher.close();
    }
    const afterKill = await collect(redis);
    process.stdout.write(`killed holding ${JSON.stringify(killedWith)} (trade entries pending, unread)\n`);
    expect(killedWith.pending).toBeGreaterThan(0);
    const summary = uninterrupted as {
      snapshots: Record<string, { data: { metrics: { totalTrades: number } } }>;
      candles: unknown[];
    };
    expect(summary.snapshots['liquidity-flow:HYPE:5m:1700000100000']!.data.metrics.totalTrades).toBe(2_500);
    expect(summary.candles).toHaveLength(3 * 3); // three closed 1m candles per coin
    expect(afterKill).toEqual(uninterrupted);
  }, 180_000);

  it('refuses to start on a checkpoint of the shard layout, or of another version, naming it, and reads nothing', async () => {
    // What the shard layout (FLOW_SHARD_INDEX / FLOW_SHARD_COUNT, version 1) wrote for its one shard.
    const packr = new Packr({ useRecords: false });
    await redis.set(
      flowShardCheckpointKey(0, 1),
      packr.pack({ version: 1, shardIndex: 0, shardCount: 1, writtenAt: 0, covered: {}, state: {} }),
    );
    const publisher = new StreamPublisher(redis);
    await publisher.publish(TradeStream, [aTrade()]);
    await publisher.close();
    await expect(startAggregator()).rejects.toThrow(
      /checkpoint:0-of-1 is a checkpoint of the shard layout \(FLOW_SHARD_INDEX \/ FLOW_SHARD_COUNT, version 1\)/,
    );
    expect(await groupState(redis, TradeStream.stream)).toBeNull(); // refused before anything else
    // Where a shard key is a partition's key now, the partition's version check refuses it.
    await redis.del(flowShardCheckpointKey(0, 1));
    await redis.set(BTC_CHECKPOINT, packr.pack({ version: 1, shardIndex: 0, shardCount: 16, state: {} }));
    await expect(startAggregator()).rejects.toThrow(
      /checkpoint:0-of-16 has checkpoint version 1, this build reads version 2; refusing to guess/,
    );
    // The group was prepared, but the transport never started: the entry is unread.
    expect(await groupState(redis, TradeStream.stream)).toEqual({ lag: 1, pending: 0 });
  });

  it('acknowledges nothing when the checkpoint cannot be written, everything once it can; a restart restores the state exactly', async () => {
    // A Redis of its own, made to refuse writes (maxmemory 1, noeviction: SET fails with OOM; XACK
    // would still succeed, so an ack sent without a checkpoint would show).
    const server = new PrivateRedis(await freePort());
    await server.start();
    let aggregator: RunningAggregator | null = null;
    const direct = new Redis(server.url);
    const streamPublisher = new StreamPublisher(direct, { maxEventsPerEntry: 10 });
    try {
      aggregator = await startAggregator({ REDIS_URL: server.url, FLOW_CHECKPOINT_INTERVAL_MS: 3_600_000 });
      const trades = Array.from({ length: 100 }, (_, i) =>
        aTrade({ tradeId: `c${i}`, base: 'BTC', ts: 1_700_000_100_000 + i * 100, price: 65_000 + i }),
      );
      await streamPublisher.publish(TradeStream, trades);
      const pendingOf = async () =>
        Number(((await direct.xpending(TradeStream.stream, 'flow-aggregator')) as [number])[0]);
      await waitFor(
        '10 entries handled',
        async () =>
          (await pendingOf()) === 10 &&
          aggregator!.aggregation.flowNodes('BTC', '1h', trades[0]!.ts).length > 0,
      );

      await direct.config('SET', 'maxmemory', '1');
      await aggregator.aggregation.checkpoint();
      expect(await pendingOf()).toBe(10); // not durable: nothing acknowledged
      await direct.config('SET', 'maxmemory', '0');
      expect(await direct.exists(BTC_CHECKPOINT)).toBe(0);

      await aggregator.aggregation.checkpoint();
      expect(await pendingOf()).toBe(0);
      expect(aggregator.aggregation.coordinator.stats.lastCheckpoint!.bytes).toBeGreaterThan(0);
      // What a graceful stop writes first (open windows, live candles): their flags are clean in the
      // state it hands over.
      await aggregator.aggregation.tick();
      await aggregator.aggregation.writeLiveCandles();
      const before = aggregator.aggregation.captureState();
      await aggregator.close();
      aggregator = await startAggregator({ REDIS_URL: server.url, FLOW_CHECKPOINT_INTERVAL_MS: 3_600_000 });
      // Every partition as it was (BTC's from its checkpoint, the others caught up from the stream).
      expect(aggregator.aggregation.captureState().partitions).toEqual(before.partitions);
      const nodes = aggregator.aggregation.flowNodes('BTC', '1h', trades[0]!.ts);
      expect(nodes.reduce((sum, node) => sum + node.buyCount + node.sellCount, 0)).toBe(100);
    } finally {
      await aggregator?.close();
      await streamPublisher.close();
      direct.disconnect();
      await server.stop();
    }
  }, 60_000);
});
