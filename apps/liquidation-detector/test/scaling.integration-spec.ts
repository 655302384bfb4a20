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
import { createTestRedis, testRedisUrl, waitFor } from '@mdp/testing';
import { StreamPublisher, decodeEntry } from '@mdp/transport';
import {
  detectorCountersKey,
  liquidationSymbolsKey,
  percentileThresholdsKey,
} from '@mdp/data-access-liquidation';
import { DetectorShard } from '../src/detector-shard';
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
  const signals = (await streamEvents<LiquidationSignalMessage>(redis, LiquidationSignalStream)).sort(
    (a, b) => a.signalId.localeCompare(b.signalId),
  );
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

async function run(redis: Redis, count: number) {
  const running: RunningDetector[] = [];
  const publisher = new StreamPublisher(redis);
  const health: unknown[] = [];
  const skipped: Array<{ liquidations: number; trades: number }> = [];
  try {
    for (let index = 0; index < count; index++) {
      running.push(
        await startDetector({
          REDIS_URL: testRedisUrl(),
          DETECTOR_SHARD_INDEX: String(index),
          DETECTOR_SHARD_COUNT: String(count),
          PERCENTILE_MIN_SAMPLES: '30',
          LONG_VWAP_OFFSET: '1',
          SHORT_VWAP_OFFSET: '1',
          LIQUIDATION_BATCH_TIMEOUT_MS: '20',
          COUNTERS_FLUSH_MS: '50',
          REDIS_MAX_MEMORY: '1024gb', // the shared test server has no maxmemory: stay in normal mode
        }),
      );
    }
    // Each stream fully consumed (and, for liquidations, stored: acknowledged after the store)
    // before the next is published, so what every detector sees, in order, is deterministic.
    const consumed = (definition: StreamDefinition) =>
      waitFor(
        `${definition.stream} consumed`,
        async () => {
          const groups = (await redis.xinfo('GROUPS', definition.stream)) as unknown[][];
          return (
            groups.length === count &&
            groups.every((g) => g[g.indexOf('lag') + 1] === 0 && g[g.indexOf('pending') + 1] === 0)
          );
        },
        { timeoutMs: 45_000 },
      );
    for (const phase of phases()) {
      await publisher.publish(TradeStream, phase.trades);
      await consumed(TradeStream);
      await publisher.publish(LiquidationStream, phase.liquidations);
      await consumed(LiquidationStream);
    }
    const groups = ((await redis.xinfo('GROUPS', LiquidationStream.stream)) as unknown[][])
      .map((g) => String(g[g.indexOf('name') + 1]))
      .sort();
    for (const detector of running) {
      const response = await fetch(`${detector.url}/health/ready`);
      health.push(((await response.json()) as { checks: { consumer: unknown } }).checks.consumer);
      skipped.push({ ...detector.components.detection.otherShard });
      await detector.components.percentiles.publish();
    }
    for (const detector of running.splice(0)) await detector.close(); // writes signals and counters held
    return { written: await collect(redis), groups, health, skipped };
  } finally {
    for (const detector of running) await detector.close();
    await publisher.close();
  }
}

describe('two detector shards', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('accept, signal, count, store statistics and publish thresholds exactly as one detector (partitioned by symbol, one group per shard)', async () => {
    const owners = SYMBOLS.map(({ symbol }) =>
      [0, 1].find((index) => new DetectorShard(index, 2).owns(symbol)),
    );
    expect(new Set(owners)).toEqual(new Set([0, 1])); // both shards own symbols

    const one = await run(redis, 1);
    await redis.flushdb();
    const two = await run(redis, 2);

    // The single detector's results are not trivial: every kind of outcome, on both shards' symbols.
    const counters = one.written.counters;
    const total = 2 * LIQUIDATIONS_PER_PHASE * SYMBOLS.length;
    expect(Number(counters['processed'])).toBe(total);
    expect(Number(counters['stored'])).toBe(
      Object.values(one.written.accepted).reduce((sum, members) => sum + members.length / 2, 0),
    );
    expect(Number(counters['processed'])).toBe(Number(counters['filtered']) + Number(counters['stored']));
    expect(Number(counters['signals'])).toBe(one.written.signals.length);
    for (const [i, { symbol }] of SYMBOLS.entries()) {
      const stored = (one.written.accepted[`liquidation:{${symbol}}:events`]?.length ?? 0) / 2;
      expect([symbol, owners[i], stored > 20, stored < 2 * LIQUIDATIONS_PER_PHASE - 20]).toEqual([
        symbol,
        owners[i],
        true,
        true,
      ]);
      expect(one.written.signals.some((signal) => signal.symbol === symbol)).toBe(true);
      const threshold = one.written.thresholds[symbol] as { applies: boolean; samples: number };
      expect([threshold.applies, threshold.samples]).toEqual([true, 2 * LIQUIDATIONS_PER_PHASE]);
    }
    expect(new Set(one.written.signals.map((signal) => signal.entryReason))).toEqual(
      new Set(['liquidation_long', 'liquidation_short']),
    );
    expect(Object.keys(one.written.statistics).length).toBeGreaterThan(2 * 40);

    // Two shards: the same everything, exactly.
    expect(two.written).toEqual(one.written);

    // Each shard read every event in a group of its own and skipped the other's symbols.
    expect(one.groups).toEqual(['liquidation-detector']);
    expect(two.groups).toEqual(['liquidation-detector-shard-0-of-2', 'liquidation-detector-shard-1-of-2']);
    expect(one.skipped).toEqual([{ liquidations: 0, trades: 0 }]);
    const perSymbol = (index: number, perPhase: number) =>
      2 * perPhase * owners.filter((owner) => owner !== index).length;
    expect(two.skipped).toEqual(
      [0, 1].map((index) => ({
        liquidations: perSymbol(index, LIQUIDATIONS_PER_PHASE),
        trades: perSymbol(index, TRADES_PER_PHASE),
      })),
    );
    expect(two.health).toEqual(
      [0, 1].map((index) => ({
        status: 'up',
        group: `liquidation-detector-shard-${index}-of-2`,
        shard: { index, count: 2 },
        streams: {
          [LiquidationStream.stream]: { lag: 0, pending: 0 },
          [TradeStream.stream]: { lag: 0, pending: 0 },
        },
        otherShardEvents: two.skipped[index],
      })),
    );
  }, 150_000);
});
