/**
 * Liquidation detector throughput and latency, through the real service (AppModule with
 * RedisStreamsServer in group liquidation-detector: read, decode, validate, thresholds, percentile
 * sketch, VWAP, signals, batched storage with statistics, ack).
 *
 *   node -r @swc-node/register -r reflect-metadata tools/bench/liquidation-detector.bench.ts [events] [rate]
 *
 * 1. baseline: XRANGE + decode of the same stream entries, no processing (what reading costs)
 * 2. throughput: `events` liquidations (default 200,000; BTC/ETH/SOL/HYPE, Pareto notionals, both
 *    sides) and 20,000 trades are published first; the clock runs from the service's start until
 *    every liquidation is processed, every accepted one is stored and the group has nothing pending
 * 3. latency at a paced rate (default 10,000 liquidations/s for 5 s): from the publish call to the
 *    detector's decision for that liquidation (p50/p99/max: producer batching, XADD, XREADGROUP,
 *    decode, validation and the detector), from the publish call to the accepted liquidation being
 *    in Redis (bounded by the 100 ms batch timeout at low rates), and the detector's own processing
 *    time per handler batch (thresholds, sketch, VWAP, signal rules, handing over to the writer)
 * Settings (env): BENCH_REDIS_URL (default redis://127.0.0.1:6379/12, flushed).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { build } from 'hdr-histogram-js';
import { LiquidationStream, TradeStream, type LiquidationMessage, type TradeMessage } from '@mdp/schemas';
import { createLogger, createRedisConnection, loadConfig, type RedisClient } from '@mdp/platform';
import { RedisStreamsServer, StreamPublisher, decodeEntry, serverOptionsFrom } from '@mdp/transport';
import { AppModule } from '../../apps/liquidation-detector/src/app.module';
import { LiquidationDetectorConfig } from '../../apps/liquidation-detector/src/liquidation-detector.config';
import type { DetectorComponents } from '../../apps/liquidation-detector/src/liquidation-detector.components';
import { DETECTOR_COMPONENTS } from '../../apps/liquidation-detector/src/liquidation-detector.tokens';

const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379/12';
const EVENTS = Number(process.argv[2] ?? 200_000);
const RATE = Number(process.argv[3] ?? 10_000);
const out = (line: string) => process.stdout.write(`${line}\n`);
const logger = createLogger('liquidation-detector-bench', 'warn');
const ASSETS = [
  { base: 'BTC', price: 65_000 },
  { base: 'ETH', price: 3_200 },
  { base: 'SOL', price: 150 },
  { base: 'HYPE', price: 30 },
];

let state = 12345;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function liquidation(i: number, ts: number, prefix: string): LiquidationMessage {
  const asset = ASSETS[i % ASSETS.length]!;
  const orderSide = random() < 0.5 ? 'sell' : 'buy';
  const notionalUsd = Math.round(500 / Math.pow(1 - random(), 1 / 1.1));
  const price = asset.price * (1 + (random() - 0.5) * 0.08);
  return {
    exchange: 'binance',
    market: 'perp',
    symbol: `${asset.base}-USDT`,
    base: asset.base,
    quote: 'USDT',
    venueSymbol: `${asset.base}USDT`,
    eventId: `${prefix}${i}`,
    positionSide: orderSide === 'sell' ? 'long' : 'short',
    orderSide,
    price,
    priceKind: 'average_fill',
    size: notionalUsd / price,
    notionalUsd,
    completeness: 'complete',
    ts,
    recvTs: ts,
  };
}

function trade(i: number, ts: number): TradeMessage {
  const asset = ASSETS[i % ASSETS.length]!;
  const price = asset.price * (1 + (random() - 0.5) * 0.01);
  const size = 0.01 + random();
  return {
    exchange: 'binance',
    market: 'perp',
    symbol: `${asset.base}-USDT`,
    base: asset.base,
    quote: 'USDT',
    venueSymbol: `${asset.base}USDT`,
    tradeId: String(i),
    price,
    size,
    notionalUsd: price * size,
    side: random() < 0.5 ? 'buy' : 'sell',
    ts,
    recvTs: ts,
  };
}

async function startService(
  redis: RedisClient,
): Promise<{ app: INestApplication; components: DetectorComponents }> {
  const config = Object.assign(loadConfig(LiquidationDetectorConfig, { REDIS_URL }), {
    STREAM_READ_COUNT: 256,
    STREAM_BLOCK_MS: 100,
    LOG_LEVEL: 'warn',
  });
  const app = await NestFactory.create(AppModule.register({ config, redis, logger }), { logger: false });
  // As main.ts: one consumer in the group (its entries are acknowledged after the checkpoint covering them).
  app.connectMicroservice({
    strategy: new RedisStreamsServer({
      redis,
      group: 'liquidation-detector',
      logger,
      ...serverOptionsFrom(config),
      singleConsumer: true,
    }),
  });
  const components = app.get<DetectorComponents>(DETECTOR_COMPONENTS);
  return { app, components };
}

/** Entries of the liquidation stream not yet read by the group (pending ones wait for the next checkpoint's acknowledgement). */
async function pending(redis: RedisClient): Promise<number> {
  const groups = (await redis.xinfo('GROUPS', LiquidationStream.stream)) as unknown[][];
  for (const group of groups) {
    const fields: Record<string, unknown> = {};
    for (let i = 0; i + 1 < group.length; i += 2) fields[String(group[i])] = group[i + 1];
    if (fields['name'] === 'liquidation-detector') return Number(fields['lag'] ?? 0);
  }
  return -1;
}

async function waitUntil(probe: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 2));
}

async function main(): Promise<void> {
  const redis = createRedisConnection(REDIS_URL);
  await redis.flushdb();
  const publisher = new StreamPublisher(redis, { maxEventsPerEntry: 256 });
  const t0 = Date.now() - 60_000;
  const trades = Array.from({ length: 20_000 }, (_, i) => trade(i, t0 + i));
  for (let i = 0; i < trades.length; i += 10_000)
    await publisher.publish(TradeStream, trades.slice(i, i + 10_000));
  const events = Array.from({ length: EVENTS }, (_, i) =>
    liquidation(i, t0 + 30_000 + Math.floor(i / 10), 'tp-'),
  );
  for (let i = 0; i < events.length; i += 10_000)
    await publisher.publish(LiquidationStream, events.slice(i, i + 10_000));

  // 1. Baseline: read and decode the entries, nothing else.
  let started = performance.now();
  let decoded = 0;
  let cursor = '-';
  for (;;) {
    const entries = await redis.xrangeBuffer(LiquidationStream.stream, cursor, '+', 'COUNT', 256);
    if (entries.length === 0) break;
    for (const [, fields] of entries) decoded += decodeEntry(fields).events.length;
    cursor = `(${entries[entries.length - 1]![0].toString()}`;
  }
  const baselineRate = decoded / ((performance.now() - started) / 1000);

  // 2. Throughput through the service.
  const { app, components } = await startService(redis);
  started = performance.now();
  await app.init(); // joins: holds every partition (no checkpoint yet) before the consumer reads
  await app.startAllMicroservices();
  await waitUntil(
    async () =>
      components.counters.totals.processed >= EVENTS &&
      components.writer.buffered === 0 &&
      (await pending(redis)) === 0,
  );
  const seconds = (performance.now() - started) / 1000;
  const totals = { ...components.counters.totals };
  out(
    `liquidation-detector throughput: ${EVENTS} liquidations in ${seconds.toFixed(2)} s = ${Math.round(EVENTS / seconds)} events/s ` +
      `(accepted ${totals.stored}, filtered ${totals.filtered}, signals ${totals.signals}); baseline XRANGE+decode only: ${Math.round(baselineRate)} events/s, ratio ${(EVENTS / seconds / baselineRate).toFixed(2)}`,
  );

  // 3. Latency at a paced rate.
  const publishedAt = new Map<string, number>();
  const decision = build({ numberOfSignificantValueDigits: 3 });
  const stored = build({ numberOfSignificantValueDigits: 3 });
  const processing = build({ numberOfSignificantValueDigits: 3 });
  const detection = components.detection;
  const original = detection.onLiquidations.bind(detection);
  detection.onLiquidations = (batch) => {
    const begun = performance.now();
    const outcomes = original(batch);
    const now = performance.now();
    processing.recordValue(Math.round((now - begun) * 1000));
    for (const event of batch) {
      const at = publishedAt.get(event.eventId);
      if (at !== undefined) decision.recordValue(Math.round((now - at) * 1000));
    }
    return outcomes;
  };
  const writerStore = components.store;
  const storeBatch = writerStore.storeBatch.bind(writerStore);
  writerStore.storeBatch = async (batch, mode) => {
    const added = await storeBatch(batch, mode);
    const now = performance.now();
    for (const event of batch) {
      const at = publishedAt.get(event.eventId);
      if (at !== undefined) stored.recordValue(Math.round((now - at) * 1000));
    }
    return added;
  };
  const perTick = Math.max(1, Math.round(RATE / 100));
  const ticks = 500;
  let sent = 0;
  const paceStart = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    const batch = Array.from({ length: perTick }, (_, i) => liquidation(sent + i, Date.now(), 'lat-'));
    sent += batch.length;
    const now = performance.now();
    for (const event of batch) publishedAt.set(event.eventId, now);
    for (const event of batch) void publisher.publish(LiquidationStream, event);
    const due = paceStart + (tick + 1) * 10;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await publisher.flush();
  await waitUntil(
    async () =>
      components.counters.totals.processed >= EVENTS + sent &&
      components.writer.buffered === 0 &&
      (await pending(redis)) === 0,
  );
  const ms = (histogram: typeof decision, q: number) => (histogram.getValueAtPercentile(q) / 1000).toFixed(2);
  out(
    `liquidation-detector latency at ${RATE} liquidations/s (${sent} events): publish -> decision p50 ${ms(decision, 50)} ms, p99 ${ms(decision, 99)} ms, max ${ms(decision, 100)} ms; ` +
      `publish -> stored p50 ${ms(stored, 50)} ms, p99 ${ms(stored, 99)} ms (batch ${50} / ${100} ms); ` +
      `detector processing per handler batch p50 ${ms(processing, 50)} ms, p99 ${ms(processing, 99)} ms, max ${ms(processing, 100)} ms (${processing.totalCount} batches)`,
  );

  await app.close();
  await publisher.close().catch(() => undefined);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
