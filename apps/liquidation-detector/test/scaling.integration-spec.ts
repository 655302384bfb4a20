import type Redis from 'ioredis';
import {
  LiquidationSignalStream,
  LiquidationStream,
  TradeStream,
  type LiquidationMessage,
  type LiquidationSignalMessage,
  type StreamDefinition,
  type TradeMessage,
} from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { createTestRedis, freePort, spawnTs, testRedisUrl, waitFor } from '@mdp/testing';
import { StreamPublisher, decodeEntry } from '@mdp/transport';
import {
  detectorCountersKey,
  liquidationSymbolsKey,
  percentileThresholdsKey,
} from '@mdp/data-access-liquidation';
import type { ChildProcess } from 'node:child_process';
import { DetectorPartitions } from '../src/partitions/detector-partitions';
import { startDetector, type RunningDetector } from './liquidation-detector.harness';

// Recent event times, so neither the retention cleanup nor a TTL touches what the runs store.
const T = Math.floor(Date.now() / 60_000) * 60_000 - 50 * 60_000;
const SYMBOLS = [
  { symbol: 'BTC-USDT', base: 'BTC', mid: 65_000, scale: 6_000 },
  { symbol: 'ETH-USDT', base: 'ETH', mid: 3_500, scale: 3_000 },
  { symbol: 'SOL-USDT', base: 'SOL', mid: 150, scale: 600 },
  { symbol: 'HYPE-USDT', base: 'HYPE', mid: 30, scale: 600 },
];
const TRADES_PER_PHASE = 1_000;
const LIQUIDATIONS_PER_PHASE = 200;
const PHASE_MS = 20 * 60_000;

interface Phase {
  trades: TradeMessage[];
  liquidations: LiquidationMessage[];
}

/**
 * Two phases, each: trades of the four symbols over 20 minutes, then liquidations over the same
 * minutes (Pareto notionals around and below the per-asset minimums, prices up to 2.5 % from the
 * mid, both sides), so some are filtered by size, some by the percentile, some accepted and some
 * raise signals. The second phase moves the mids, so the VWAP windows move.
 */
function phases(): Phase[] {
  let state = 7;
  const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  return [0, 1].map((phase) => {
    const start = T + phase * PHASE_MS;
    const drift = 1 + phase * 0.015;
    const trades: TradeMessage[] = [];
    const liquidations: LiquidationMessage[] = [];
    for (let i = 0; i < TRADES_PER_PHASE * SYMBOLS.length; i++) {
      const coin = SYMBOLS[i % SYMBOLS.length]!;
      const price = Math.round(coin.mid * drift * (1 + (random() - 0.5) / 200) * 1e4) / 1e4;
      const size = [0.01, 0.1, 0.5, 1, 3][Math.floor(random() * 5)]!;
      const ts = start + Math.floor((i / (TRADES_PER_PHASE * SYMBOLS.length)) * PHASE_MS);
      trades.push(
        aTrade({
          symbol: coin.symbol,
          base: coin.base,
          venueSymbol: coin.symbol.replace('-', ''),
          tradeId: `t${phase}-${i}`,
          price,
          size,
          notionalUsd: price * size,
          side: random() < 0.5 ? 'buy' : 'sell',
          ts,
          recvTs: ts + 3,
        }),
      );
    }
    for (let i = 0; i < LIQUIDATIONS_PER_PHASE * SYMBOLS.length; i++) {
      const coin = SYMBOLS[i % SYMBOLS.length]!;
      const price = Math.round(coin.mid * drift * (1 + (random() - 0.5) / 20) * 1e4) / 1e4;
      const notionalUsd = Math.round(coin.scale * (1 / (1 - random())) ** (1 / 1.2) * 100) / 100;
      const orderSide = random() < 0.5 ? 'buy' : 'sell';
      const ts = start + Math.floor((i / (LIQUIDATIONS_PER_PHASE * SYMBOLS.length)) * PHASE_MS);
      liquidations.push(
        aLiquidation({
          symbol: coin.symbol,
          base: coin.base,
          venueSymbol: coin.symbol.replace('-', ''),
          eventId: `l${phase}-${i}`,
          orderSide,
          positionSide: orderSide === 'sell' ? 'long' : 'short',
          price,
          size: notionalUsd / price,
          notionalUsd,
          ts,
          recvTs: ts + 5,
        }),
      );
    }
    return { trades, liquidations };
  });
}

/** The signals on the stream, one per id (a replica killed before its checkpoint may have sent some again: same id, same content). */
async function streamEvents<T>(redis: Redis, definition: StreamDefinition): Promise<T[]> {
  const entries = await redis.xrangeBuffer(definition.stream, '-', '+');
  return entries.flatMap(([, fields]) => decodeEntry(fields).events as T[]);
}

/** Everything the detectors wrote that a reader sees, without write times. */
async function collect(redis: Redis) {
  const accepted: Record<string, string[]> = {};
  for (const key of (await redis.keys('liquidation:{*}:events')).sort())
    accepted[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
  const statistics: Record<string, Record<string, string>> = {};
  for (const key of (await redis.keys('liquidation:{*}:stats:*')).sort())
    statistics[key] = await redis.hgetall(key);
  const signals = [
    ...new Map(
      (await streamEvents<LiquidationSignalMessage>(redis, LiquidationSignalStream)).map((signal) => [
        signal.signalId,
        signal,
      ]),
    ).values(),
  ].sort((a, b) => a.signalId.localeCompare(b.signalId));
  const active: Record<string, { json: string | null; hasTtl: boolean }> = {};
  for (const key of (await redis.keys('signal:active:*')).sort())
    active[key] = { json: await redis.get(key), hasTtl: (await redis.ttl(key)) > 0 };
  const thresholds = Object.fromEntries(
    Object.entries(await redis.hgetall(percentileThresholdsKey()))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([symbol, json]) => {
        const { updatedAt: _updatedAt, ...rest } = JSON.parse(json) as Record<string, unknown>;
        return [symbol, rest];
      }),
  );
  return {
    accepted,
    statistics,
    signals,
    active,
    thresholds,
    counters: await redis.hgetall(detectorCountersKey()),
    symbols: (await redis.smembers(liquidationSymbolsKey())).sort(),
  };
}

const ENV = {
  PERCENTILE_MIN_SAMPLES: '30',
  LONG_VWAP_OFFSET: '1',
  SHORT_VWAP_OFFSET: '1',
  LIQUIDATION_BATCH_TIMEOUT_MS: '20',
  COUNTERS_FLUSH_MS: '50',
  REDIS_MAX_MEMORY: '1024gb', // the shared test server has no maxmemory: stay in normal mode
  DETECTOR_HEARTBEAT_MS: '100',
  DETECTOR_LEASE_MS: '1000',
  STREAM_BLOCK_MS: '200',
  STREAM_READ_COUNT: '8', // small reads, so a handover lands between batches of one stream
};
const CHUNKS = 10;

interface ConsumerHealth {
  group: string;
  read: Record<string, string>;
  partitions: { held: number[]; live: number[]; catchingUp: boolean };
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
    const child = spawnTs('apps/liquidation-detector/src/main.ts', {
      env: {
        ...ENV,
        REDIS_URL: testRedisUrl(),
        DETECTOR_REPLICA: '1',
        DETECTOR_CHECKPOINT_INTERVAL_MS: String(checkpointMs),
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
      },
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    return new ChildReplica(child, `http://127.0.0.1:${port}`, exited);
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
  replica0: RunningDetector,
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
      const healths: ConsumerHealth[] = [];
      const { detection } = replica0.components;
      healths.push({
        group: 'liquidation-detector',
        read: Object.fromEntries(detection.lastSeen),
        partitions: { held: detection.heldPartitions(), live: [], catchingUp: detection.catchingUp !== null },
      });
      const other = child();
      if (other && other.process.exitCode === null && other.process.signalCode === null) {
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

async function settleAndCollect(redis: Redis, replica0: RunningDetector) {
  await replica0.components.percentiles.publish();
  await replica0.close(); // checkpoints and releases; writes signals and counters held
  return collect(redis);
}

async function runSingle(redis: Redis) {
  const publisher = new StreamPublisher(redis);
  const replica0 = await startDetector({
    ...ENV,
    REDIS_URL: testRedisUrl(),
    DETECTOR_CHECKPOINT_INTERVAL_MS: '100',
  });
  try {
    for (const phase of phases()) {
      await publishAndSettle(redis, publisher, TradeStream, phase.trades, replica0, () => null);
      await publishAndSettle(redis, publisher, LiquidationStream, phase.liquidations, replica0, () => null);
    }
    return await settleAndCollect(redis, replica0);
  } finally {
    await replica0.close();
    await publisher.close();
  }
}

/**
 * 1 -> 2 replicas while the first phase's trades flow, 2 -> 1 (SIGTERM) while its liquidations
 * flow, 1 -> 2 again during the second phase's trades, and the second replica killed (SIGKILL)
 * while the second phase's liquidations flow. In its second life replica 1 never checkpoints on
 * its own (interval 10 min): everything it did since it took its partitions over is lost with it
 * and must be redone by replica 0 from the checkpoints of the handover.
 */
async function runScaling(redis: Redis) {
  const publisher = new StreamPublisher(redis);
  const replica0 = await startDetector({
    ...ENV,
    REDIS_URL: testRedisUrl(),
    DETECTOR_CHECKPOINT_INTERVAL_MS: '100',
  });
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
      {
        timeoutMs: 30_000,
      },
    );
    evidence.heldByReplica1.push((await child!.health())!.partitions.held);
  };
  try {
    const [first, second] = phases() as [Phase, Phase];
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
          child!.process.kill('SIGTERM'); // scale 2 -> 1: checkpoints and releases its partitions
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
          child = await ChildReplica.start(600_000);
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
          const groups = (await redis.xinfo('GROUPS', LiquidationStream.stream)) as unknown[][];
          const group = groups.find((g) => g[1] === 'liquidation-detector-1')!;
          evidence.pendingAtKill = Number(group[group.indexOf('pending') + 1]);
          child = null;
        }
      },
    );
    const coordinator = { ...replica0.components.coordinator.stats };
    // The killed replica's group goes once the live replica's periodic cleanup (every 30 heartbeats)
    // finds its consumers idle past the lease: wait for it rather than read the groups at a moment
    // that may fall before or after it.
    const groups = await waitFor(
      "the killed replica's consumer group removed",
      async () => {
        const names = ((await redis.xinfo('GROUPS', LiquidationStream.stream)) as unknown[][])
          .map((g) => String(g[g.indexOf('name') + 1]))
          .sort();
        return !names.includes('liquidation-detector-1') && names;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    return { written: await settleAndCollect(redis, replica0), evidence, coordinator, groups, lives };
  } finally {
    await replica0.close();
    for (const life of lives)
      if (life.process.exitCode === null && life.process.signalCode === null) life.process.kill('SIGKILL');
    await publisher.close();
  }
}

describe('scaling the detector on a stream of events', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('1 -> 2 -> 1 -> 2 replicas, the last one killed, give exactly the results of one replica that never moved', async () => {
    const partitions = new DetectorPartitions(0, 16);
    const owners = SYMBOLS.map(({ symbol }) =>
      DetectorPartitions.ownerOf(partitions.partitionOf(symbol), [0, 1]),
    );
    expect(new Set(owners)).toEqual(new Set([0, 1])); // with two replicas, both hold symbols

    const one = await runSingle(redis);
    await redis.flushdb();
    const scaled = await runScaling(redis);

    // The single replica's results are not trivial: every kind of outcome, on both replicas' symbols.
    const counters = one.counters;
    const total = 2 * LIQUIDATIONS_PER_PHASE * SYMBOLS.length;
    expect(Number(counters['processed'])).toBe(total);
    expect(Number(counters['stored'])).toBe(
      Object.values(one.accepted).reduce((sum, members) => sum + members.length / 2, 0),
    );
    expect(Number(counters['processed'])).toBe(Number(counters['filtered']) + Number(counters['stored']));
    expect(Number(counters['signals'])).toBe(one.signals.length);
    for (const { symbol } of SYMBOLS) {
      const stored = (one.accepted[`liquidation:{${symbol}}:events`]?.length ?? 0) / 2;
      expect([symbol, stored > 20, stored < 2 * LIQUIDATIONS_PER_PHASE - 20]).toEqual([symbol, true, true]);
      expect(one.signals.some((signal) => signal.symbol === symbol)).toBe(true);
      const threshold = one.thresholds[symbol] as { applies: boolean; samples: number };
      expect([threshold.applies, threshold.samples]).toEqual([true, 2 * LIQUIDATIONS_PER_PHASE]);
    }
    expect(new Set(one.signals.map((signal) => signal.entryReason))).toEqual(
      new Set(['liquidation_long', 'liquidation_short']),
    );
    expect(Object.keys(one.statistics).length).toBeGreaterThan(2 * 40);

    // The moves really happened: replica 1 held half the partitions twice, was killed with
    // entries it had handled and not checkpointed, and replica 0 redid them from the checkpoints.
    const odd = Array.from({ length: 8 }, (_, i) => 2 * i + 1);
    expect(scaled.evidence.heldByReplica1).toEqual([odd, odd]);
    expect(scaled.evidence.killSignal).toBe('SIGKILL');
    expect(scaled.evidence.pendingAtKill).toBeGreaterThan(0);
    expect(scaled.coordinator.released).toBe(16); // 8 to replica 1, twice
    expect(scaled.coordinator.acquired).toBe(16 + 8 + 8); // all at start, back after SIGTERM and after the kill
    expect(scaled.coordinator.caughtUpEntries).toBeGreaterThan(0);
    expect(scaled.groups).toEqual(['liquidation-detector']); // the killed replica's group removed by the live one

    // The same everything, exactly.
    expect(scaled.written).toEqual(one);
  }, 240_000);
});
