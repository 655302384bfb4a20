import type Redis from 'ioredis';
import type { ChildProcess } from 'node:child_process';
import {
  LiquidationStream,
  TradeStream,
  type LiquidationMessage,
  type StreamDefinition,
  type TradeMessage,
} from '@mdp/schemas';
import { createTestRedis, freePort, spawnTs, testRedisUrl, waitFor } from '@mdp/testing';
import { ReplicaPartitions, StreamPublisher } from '@mdp/transport';
import { FlowPartitions } from '../src/flow/flow-partitions';
import { startAggregator, type RunningAggregator } from './flow-aggregator.harness';
import { COINS, T, collect, events } from './flow-scenario';

// The scenario of two-replicas.integration-spec.ts (7,500 trades of BTC, ETH and HYPE over 170 s,
// their liquidations, a trade that closes the third minute), cut into two phases by event time so
// that windows and candles close while partitions move. 1m and 5m windows and candles, grace 1 s.
const SETTINGS = {
  FLOW_WINDOWS: '1m,5m',
  CANDLE_TIMEFRAMES: '1m,5m',
  FLOW_GRACE_MS: '1000',
  FLOW_WALL_CLOCK_CLOSE: 'false',
  FLOW_PUBLISH_INTERVAL_MS: '3600000',
  CANDLE_FLUSH_INTERVAL_MS: '3600000',
  FLOW_INDEX_PRUNE_INTERVAL_MS: '3600000',
  POSITION_MONITOR_INTERVAL_MS: '3600000',
  FLOW_HEARTBEAT_MS: '100',
  FLOW_LEASE_MS: '1000',
  STREAM_GROUP_START: '0',
  STREAM_BLOCK_MS: '200',
  STREAM_READ_COUNT: '8', // small reads, so a handover lands between batches of one stream
};
const REPLICA0 = {
  FLOW_WINDOWS: SETTINGS.FLOW_WINDOWS,
  CANDLE_TIMEFRAMES: SETTINGS.CANDLE_TIMEFRAMES,
  FLOW_GRACE_MS: 1_000,
  FLOW_HEARTBEAT_MS: 100,
  FLOW_LEASE_MS: 1_000,
  FLOW_CHECKPOINT_INTERVAL_MS: 100,
  STREAM_BLOCK_MS: 200,
  STREAM_READ_COUNT: 8,
};
const CHUNKS = 10;
const SPLIT = T + 85_000;

interface Phase {
  trades: TradeMessage[];
  liquidations: LiquidationMessage[];
}

/** The scenario's events in two phases (trades before SPLIT and their liquidations; the rest), and the closing trade. */
function phases(): { phases: [Phase, Phase]; closer: TradeMessage } {
  const { trades, liquidations } = events();
  const closer = trades.pop()!;
  const before = (event: { ts: number }) => event.ts < SPLIT;
  return {
    phases: [
      { trades: trades.filter(before), liquidations: liquidations.filter(before) },
      {
        trades: trades.filter((trade) => !before(trade)),
        liquidations: liquidations.filter((liquidation) => !before(liquidation)),
      },
    ],
    closer,
  };
}

interface ConsumerHealth {
  read: Record<string, string>;
  partitions: { held: number[]; catchingUp: boolean };
}

/** Replica 1 as its own process (main.ts), so it can be stopped with SIGTERM or killed with SIGKILL. */
class ChildReplica {
  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
    readonly exited: Promise<NodeJS.Signals | null>,
  ) {}

  static async start(checkpointMs: number): Promise<ChildReplica> {
    const port = await freePort();
    const child = spawnTs('apps/flow-aggregator/src/main.ts', {
      env: {
        ...SETTINGS,
        REDIS_URL: testRedisUrl(),
        FLOW_REPLICA: '1',
        FLOW_CHECKPOINT_INTERVAL_MS: String(checkpointMs),
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
      },
      // Its errors in the test's output (a replica that fails shows why).
      onLine: (line) => {
        if (/"level":(50|60)/.test(line)) process.stderr.write(`replica 1: ${line}\n`);
      },
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    return new ChildReplica(child, `http://127.0.0.1:${port}`, exited);
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  async health(): Promise<ConsumerHealth | null> {
    try {
      const response = await fetch(`${this.url}/health/ready`);
      return ((await response.json()) as { checks: { consumer: ConsumerHealth } }).checks.consumer;
    } catch {
      return null; // not listening yet, or gone
    }
  }
}

async function lastId(redis: Redis, stream: string): Promise<string | undefined> {
  const [entry] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  return entry?.[0];
}

/**
 * Publishes `events` in CHUNKS chunks, 100 ms apart, calling `between(i)` after chunk i, then waits
 * until every live replica has handled the whole stream, the live replicas hold every partition
 * between them and none is catching up. A stream is published only once the previous one is
 * handled, so what each partition sees, in order, is the same in every run.
 */
async function publishAndSettle(
  redis: Redis,
  publisher: StreamPublisher,
  definition: StreamDefinition,
  events: object[],
  replica0: RunningAggregator,
  child: () => ChildReplica | null,
  between: (chunk: number) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const size = Math.ceil(events.length / CHUNKS);
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    await publisher.publish(definition, events.slice(chunk * size, (chunk + 1) * size));
    await between(chunk);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const last = await lastId(redis, definition.stream);
  await waitFor(
    `${definition.stream} handled by every live replica`,
    async () => {
      const { aggregation } = replica0;
      const healths: ConsumerHealth[] = [
        {
          read: Object.fromEntries(aggregation.lastSeen),
          partitions: { held: aggregation.heldPartitions(), catchingUp: aggregation.catchingUp !== null },
        },
      ];
      const other = child();
      if (other?.alive) {
        const health = await other.health();
        if (!health) return false;
        healths.push(health);
      }
      const held = healths.flatMap((health) => health.partitions.held).sort((a, b) => a - b);
      return (
        healths.every((health) => health.read[definition.stream] === last && !health.partitions.catchingUp) &&
        JSON.stringify(held) === JSON.stringify(Array.from({ length: 16 }, (_, i) => i))
      );
    },
    { timeoutMs: 60_000 },
  );
}

/** The closing trade, the last open windows written, replica 0 stopped (live candles written), then everything read back. */
async function finish(
  redis: Redis,
  publisher: StreamPublisher,
  replica0: RunningAggregator,
  closer: TradeMessage,
): Promise<unknown> {
  await publishAndSettle(redis, publisher, TradeStream, [closer], replica0, () => null);
  await replica0.aggregation.tick();
  await replica0.close();
  return collect(redis);
}

async function runSingle(redis: Redis): Promise<unknown> {
  const publisher = new StreamPublisher(redis, { maxEventsPerEntry: 20 });
  const replica0 = await startAggregator(REPLICA0);
  try {
    const { phases: all, closer } = phases();
    for (const phase of all) {
      await publishAndSettle(redis, publisher, TradeStream, phase.trades, replica0, () => null);
      await publishAndSettle(redis, publisher, LiquidationStream, phase.liquidations, replica0, () => null);
    }
    return await finish(redis, publisher, replica0, closer);
  } finally {
    await replica0.close();
    await publisher.close();
  }
}

/**
 * 1 -> 2 replicas while the first phase's trades flow, 2 -> 1 (SIGTERM) while its liquidations
 * flow, 1 -> 2 again during the second phase's trades, and the second replica killed (SIGKILL)
 * while the second phase's liquidations flow. In its second life replica 1 never checkpoints on
 * its own (interval 60 s, the longest allowed): everything it did since it took its partitions over (windows and
 * candles closed, finals written) is lost with it and redone by replica 0 from the handover
 * checkpoints and the stream.
 */
async function runScaling(redis: Redis) {
  const publisher = new StreamPublisher(redis, { maxEventsPerEntry: 20 });
  const replica0 = await startAggregator(REPLICA0);
  let child: ChildReplica | null = null;
  const lives: ChildReplica[] = [];
  const evidence = {
    heldByReplica1: [] as number[][],
    pendingAtKill: -1,
    killSignal: null as NodeJS.Signals | null,
  };
  const heldWhenBalanced = async () => {
    await waitFor(
      'replica 1 holds its partitions',
      async () => ((await child!.health())?.partitions.held.length ?? 0) === 8,
      { timeoutMs: 30_000 },
    );
    evidence.heldByReplica1.push((await child!.health())!.partitions.held);
  };
  try {
    const {
      phases: [first, second],
      closer,
    } = phases();
    await publishAndSettle(
      redis,
      publisher,
      TradeStream,
      first.trades,
      replica0,
      () => child,
      async (chunk) => {
        if (chunk === 2) {
          child = await ChildReplica.start(100);
          lives.push(child);
        }
        if (chunk === 6) await heldWhenBalanced();
      },
    );
    const stopping: { exited?: Promise<NodeJS.Signals | null> } = {};
    await publishAndSettle(
      redis,
      publisher,
      LiquidationStream,
      first.liquidations,
      replica0,
      () => child,
      (chunk) => {
        if (chunk === 4) {
          child!.process.kill('SIGTERM'); // scale 2 -> 1: writes, checkpoints and releases its partitions
          stopping.exited = child!.exited;
        }
        return Promise.resolve();
      },
    );
    expect(await stopping.exited).toBe('SIGTERM');
    child = null;
    await publishAndSettle(
      redis,
      publisher,
      TradeStream,
      second.trades,
      replica0,
      () => child,
      async (chunk) => {
        if (chunk === 1) {
          child = await ChildReplica.start(60_000);
          lives.push(child);
        }
        if (chunk === 5) await heldWhenBalanced();
      },
    );
    await publishAndSettle(
      redis,
      publisher,
      LiquidationStream,
      second.liquidations,
      replica0,
      () => child,
      async (chunk) => {
        if (chunk === 5) {
          child!.process.kill('SIGKILL'); // crash: no checkpoint, no release
          evidence.killSignal = await child!.exited;
          const groups = (await redis.xinfo('GROUPS', TradeStream.stream)) as unknown[][];
          const group = groups.find((g) => g[1] === 'flow-aggregator-1')!;
          evidence.pendingAtKill = Number(group[group.indexOf('pending') + 1]);
          child = null;
        }
      },
    );
    const coordinator = { ...replica0.aggregation.coordinator.stats };
    // The killed replica's group goes once the live replica's periodic cleanup (every 30 heartbeats)
    // finds its consumers idle past the lease: wait for it rather than read the groups at a moment
    // that may fall before or after it.
    const groups = await waitFor(
      "the killed replica's consumer group removed",
      async () => {
        const names = ((await redis.xinfo('GROUPS', TradeStream.stream)) as unknown[][])
          .map((g) => String(g[g.indexOf('name') + 1]))
          .sort();
        return !names.includes('flow-aggregator-1') && names;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    return { written: await finish(redis, publisher, replica0, closer), evidence, coordinator, groups };
  } finally {
    await replica0.close();
    for (const life of lives) if (life.alive) life.process.kill('SIGKILL');
    await publisher.close();
  }
}

describe('scaling the flow aggregator on a stream of events', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('1 -> 2 -> 1 -> 2 replicas, the last one killed, write exactly what one aggregator that never moved writes', async () => {
    const partitions = new FlowPartitions(0, 16);
    // With two replicas both hold a coin: BTC (partition 0) and ETH (12) replica 0, HYPE (1) replica 1.
    expect(COINS.map((coin) => ReplicaPartitions.ownerOf(partitions.partitionOf(coin.base), [0, 1]))).toEqual(
      [0, 0, 1],
    );

    const one = (await runSingle(redis)) as {
      snapshots: Record<string, { data: { metrics: { totalTrades: number; totalLiquidations: number } } }>;
      candles: unknown[];
      finals: unknown[];
      indicators: Record<string, unknown>;
    };
    await redis.flushdb();
    const scaled = await runScaling(redis);

    // The single run's results are not trivial: three closed minutes per coin (finals, candles),
    // liquidations counted where in time, a 5m window of every trade of a coin, indicators.
    expect(one.finals).toHaveLength(3 * 3);
    expect(one.candles).toHaveLength(3 * 3);
    expect(one.snapshots['liquidity-flow:HYPE:5m:1700000100000']!.data.metrics.totalTrades).toBe(2_500);
    expect(
      one.snapshots['liquidity-flow:HYPE:1m:1700000160000']!.data.metrics.totalLiquidations,
    ).toBeGreaterThan(0);
    expect(Object.keys(one.indicators).sort()).toEqual(['BTC', 'ETH', 'HYPE']);

    // The moves really happened: replica 1 held half the partitions twice, was killed with entries
    // it had handled and not checkpointed, and replica 0 redid them from the checkpoints.
    const odd = Array.from({ length: 8 }, (_, i) => 2 * i + 1);
    expect(scaled.evidence.heldByReplica1).toEqual([odd, odd]);
    expect(scaled.evidence.killSignal).toBe('SIGKILL');
    expect(scaled.evidence.pendingAtKill).toBeGreaterThan(0);
    expect(scaled.coordinator.released).toBe(16); // 8 to replica 1, twice
    expect(scaled.coordinator.acquired).toBe(16 + 8 + 8); // all at start, back after SIGTERM and after the kill
    expect(scaled.coordinator.caughtUpEntries).toBeGreaterThan(0);
    expect(scaled.groups).toEqual(['flow-aggregator']); // the killed replica's group removed by the live one

    // The same everything, exactly: every snapshot, index, closed candle, final notice, indicator and live candle.
    expect(scaled.written).toEqual(one);
  }, 180_000);
});
