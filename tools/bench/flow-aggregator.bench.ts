/**
 * Flow aggregator benchmark: trades per second through the aggregator's own FlowAggregationService
 * (every coin x every window, candles of every timeframe, and the real Redis writes of final
 * snapshots, closed candles, indicators and notices as windows close), beside the same run's raw
 * XADD rate (redis-benchmark -P 100) and the ratio; then bytes per stored snapshot per window
 * (value bytes and MEMORY USAGE) beside the seed 000 estimates.
 *
 * Trades: BTC, ETH, HYPE, random walks with heavy-tailed (Pareto) sizes, spread over 4 hours of
 * event time so every window fills. Settings (env): BENCH_REDIS_URL (a URL with its database, which
 * it flushes; else a test database of the server at REDIS_URL, default redis://127.0.0.1:6379, leased
 * as a test run does, so it never flushes one in use), BENCH_TRADES (default 2000000), BENCH_BATCH
 * (default 256).
 *
 *   node -r @swc-node/register -r reflect-metadata tools/bench/flow-aggregator.bench.ts
 */
import 'reflect-metadata';
import { createLogger, createRedisConnection, loadConfig } from '@mdp/platform';
import type { FlowWindow, TradeMessage } from '@mdp/schemas';
import { FLOW_SNAPSHOT_ESTIMATE_BYTES, parseFlowSnapshotKey } from '@mdp/data-access-flow';
import { FlowAggregatorConfig } from '../../apps/flow-aggregator/src/flow-aggregator.config';
import { FlowAggregationService } from '../../apps/flow-aggregator/src/flow/flow-aggregation.service';
import { NestFactory } from '@nestjs/core';
import { RedisStreamsServer, StreamPublisher, serverOptionsFrom } from '@mdp/transport';
import { TradeStream } from '@mdp/schemas';
import { AppModule } from '../../apps/flow-aggregator/src/app.module';
import { leaseRedisDbs, releaseRedisDbs } from '@mdp/testing';
import { measureRawXaddRate } from './redis-baseline';

/** A Redis URL with its database (flushed); by default a test database leased like a test run's. */
const GIVEN_REDIS_URL = process.env['BENCH_REDIS_URL'] ?? '';
const LOCAL_REDIS = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const TRADES = Number(process.env['BENCH_TRADES'] ?? 2_000_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 256);
const STREAM_TRADES = Number(process.env['BENCH_STREAM_TRADES'] ?? 500_000);
const START = 1_700_006_400_000; // a 4h boundary
const SPAN_MS = 4 * 3_600_000 + 60_000; // four hours and a minute: the 4h window closes at the end

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function makeTrades(): TradeMessage[] {
  let state = 12_345;
  const random = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) + 0.5) / 2 ** 32;
  const coins = [
    { base: 'BTC', price: 65_000, unit: 0.01 },
    { base: 'ETH', price: 3_500, unit: 0.1 },
    { base: 'HYPE', price: 30, unit: 5 },
  ];
  const trades: TradeMessage[] = new Array<TradeMessage>(TRADES);
  for (let i = 0; i < TRADES; i++) {
    const coin = coins[i % 3]!;
    coin.price *= 1 + (random() - 0.5) * 0.0004; // ~0.01 % per trade
    const size = coin.unit * Math.min(2_000, 1 / random() ** (1 / 1.3)); // Pareto tail: whales appear
    const price = Math.round(coin.price * 100) / 100;
    const ts = START + Math.floor((i / TRADES) * SPAN_MS);
    trades[i] = {
      exchange: 'synthetic',
      market: 'perp',
      symbol: `${coin.base}-USDT`,
      base: coin.base,
      quote: 'USDT',
      venueSymbol: `${coin.base}USDT`,
      tradeId: String(i),
      price,
      size,
      notionalUsd: price * size,
      side: random() < 0.5 ? 'buy' : 'sell',
      ts,
      recvTs: ts,
    };
  }
  return trades;
}

async function main(): Promise<void> {
  const owner = `flow-bench-${process.pid}`;
  const leased = GIVEN_REDIS_URL === '' ? await leaseRedisDbs(LOCAL_REDIS, 1, owner) : [];
  const REDIS_URL = leased.length > 0 ? `${LOCAL_REDIS}/${leased[0]}` : GIVEN_REDIS_URL;
  const redis = createRedisConnection(REDIS_URL);
  await redis.flushdb();
  const raw = measureRawXaddRate(REDIS_URL);
  const config = Object.assign(loadConfig(FlowAggregatorConfig, { ...process.env, REDIS_URL }), {
    FLOW_WALL_CLOCK_CLOSE: false,
  });
  const service = new FlowAggregationService(config, redis, createLogger('flow-bench', 'warn'));
  const trades = makeTrades();
  say(
    `flow aggregator benchmark: ${TRADES} trades (BTC, ETH, HYPE) over ${SPAN_MS / 3_600_000} h of event time, windows ${config.FLOW_WINDOWS}, candles ${config.CANDLE_TIMEFRAMES}, batches of ${BATCH}`,
  );
  await service.onModuleInit(); // joins as the only replica; the database was flushed: no checkpoint, starts empty
  const started = process.hrtime.bigint();
  // The service's timers, by the wall clock as in production: open windows every
  // FLOW_PUBLISH_INTERVAL_MS, live candles every CANDLE_FLUSH_INTERVAL_MS, the state checkpoint
  // every FLOW_CHECKPOINT_INTERVAL_MS.
  let openAt = Date.now();
  let candlesAt = Date.now();
  let checkpointAt = Date.now();
  const checkpoints: Array<{ bytes: number; encodeMs: number; storeMs: number }> = [];
  for (let i = 0; i < trades.length; i += BATCH) {
    await service.onTrades(trades.slice(i, i + BATCH));
    const now = Date.now();
    if (now - checkpointAt >= config.FLOW_CHECKPOINT_INTERVAL_MS) {
      checkpointAt = now;
      await service.checkpoint();
      const last = service.coordinator.stats.lastCheckpoint;
      if (last) checkpoints.push(last);
    }
    if (now - openAt >= config.FLOW_PUBLISH_INTERVAL_MS) {
      openAt = now;
      await service.publishOpen(now, true); // spaced, as the timer calls it
    }
    if (now - candlesAt >= config.CANDLE_FLUSH_INTERVAL_MS) {
      candlesAt = now;
      await service.writeLiveCandles();
    }
  }
  await service.advanceTo(START + SPAN_MS + 3_600_000);
  await service.publisher.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = TRADES / seconds;
  say(
    `aggregated: ${Math.round(rate).toLocaleString('en-US')} trades/s (${seconds.toFixed(2)} s); raw XADD baseline ${Math.round(raw).toLocaleString('en-US')}/s; ratio ${(rate / raw).toFixed(2)}; target 250,000 trades/s`,
  );
  const stat = (values: number[]) =>
    `mean ${(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)).toFixed(2)}, max ${Math.max(0, ...values).toFixed(2)}`;
  say(
    `state checkpoints every ${config.FLOW_CHECKPOINT_INTERVAL_MS} ms (${config.FLOW_COINS} x ${config.FLOW_WINDOWS}, dedup ${config.FLOW_DEDUP_CAPACITY} ids): ${checkpoints.length} written; bytes ${stat(checkpoints.map((c) => c.bytes))}; encode ms ${stat(checkpoints.map((c) => c.encodeMs))}; SET ms ${stat(checkpoints.map((c) => c.storeMs))}`,
  );

  const sizes = new Map<
    FlowWindow,
    { count: number; bytes: number; max: number; memory: number; nodes: number; compressed: number }
  >();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'liquidity-flow:*', 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) {
      const parts = parseFlowSnapshotKey(key);
      if (!parts) continue;
      const value = (await redis.get(key))!;
      const memory = Number(await redis.memory('USAGE', key));
      const entry = sizes.get(parts.timeWindow) ?? {
        count: 0,
        bytes: 0,
        max: 0,
        memory: 0,
        nodes: 0,
        compressed: 0,
      };
      entry.count += 1;
      entry.bytes += value.length;
      entry.max = Math.max(entry.max, value.length);
      entry.memory += memory;
      if (value.startsWith('gz:')) entry.compressed += 1;
      sizes.set(parts.timeWindow, entry);
    }
  } while (cursor !== '0');
  say('bytes per stored snapshot (value; MEMORY USAGE) against the seed 000 estimate:');
  for (const window of ['1m', '5m', '15m', '1h', '4h'] as const) {
    const entry = sizes.get(window);
    if (!entry) continue;
    const estimate = FLOW_SNAPSHOT_ESTIMATE_BYTES[window];
    say(
      `  ${window.padEnd(3)} ${String(entry.count).padStart(4)} snapshots: mean ${Math.round(entry.bytes / entry.count).toLocaleString('en-US')} B, max ${entry.max.toLocaleString('en-US')} B, ` +
        `MEMORY USAGE mean ${Math.round(entry.memory / entry.count).toLocaleString('en-US')} B, compressed ${entry.compressed}; seed estimate ${estimate.toLocaleString('en-US')} B -> ${entry.max <= estimate ? 'within' : 'OVER'}`,
    );
  }
  await service.coordinator.leave();
  await redis.flushdb();
  await endToEnd(REDIS_URL, trades.slice(0, STREAM_TRADES), raw);
  await redis.flushdb();
  redis.disconnect();
  if (leased.length > 0) await releaseRedisDbs(LOCAL_REDIS, leased, owner);
}

/**
 * The whole consumer: trades pre-loaded into stream:{trades} (batch frames of 256), then the app
 * (Nest, RedisStreamsServer, group flow-aggregator) reads, decodes, validates, aggregates and
 * acknowledges them; timed from start to a group with no lag and nothing pending.
 */
async function endToEnd(REDIS_URL: string, trades: TradeMessage[], raw: number): Promise<void> {
  const redis = createRedisConnection(REDIS_URL);
  await redis.flushdb();
  const publisher = new StreamPublisher(redis, { maxBufferedEvents: trades.length + 1 });
  for (let i = 0; i < trades.length; i += 50_000)
    await publisher.publish(TradeStream, trades.slice(i, i + 50_000));
  await publisher.close();
  const config = Object.assign(loadConfig(FlowAggregatorConfig, { ...process.env, REDIS_URL }), {
    FLOW_WALL_CLOCK_CLOSE: false,
    STREAM_MAXLEN: 0,
  });
  const logger = createLogger('flow-bench', 'warn');
  const app = await NestFactory.create(AppModule.register({ config, redis, logger }), { logger: false });
  app.connectMicroservice({
    strategy: new RedisStreamsServer({
      redis,
      group: 'flow-aggregator',
      logger,
      ...serverOptionsFrom(config),
      singleConsumer: true,
    }),
  });
  const started = process.hrtime.bigint();
  await app.init();
  await app.startAllMicroservices();
  for (;;) {
    const groups = (await redis.xinfo('GROUPS', TradeStream.stream)) as unknown[][];
    const group = groups[0];
    if (group && group[group.indexOf('lag') + 1] === 0 && group[group.indexOf('pending') + 1] === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = trades.length / seconds;
  say(
    `end to end (stream -> RedisStreamsServer -> aggregation -> checkpoint -> ack): ${Math.round(rate).toLocaleString('en-US')} trades/s (${trades.length} trades, ${seconds.toFixed(2)} s); ratio to raw XADD ${(rate / raw).toFixed(2)}`,
  );
  await app.close();
  const cleanup = createRedisConnection(REDIS_URL);
  await cleanup.flushdb();
  cleanup.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
