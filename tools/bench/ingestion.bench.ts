/**
 * Ingestion benchmark: recorded venue frames -> adapter parse + normalize -> validation, dedup, gap
 * check -> batched XADD to the trade/liquidation/tick streams + tick:latest + pub/sub, i.e. the
 * ingestion service's own FrameIntake and IngestionPublisher over a real Redis.
 *
 *   node -r @swc-node/register tools/bench/ingestion.bench.ts [-- --trades 400000]
 *
 * Frames: the sample recording (Binance aggTrade/forceOrder, Hyperliquid, Bybit and OKX frames),
 * repeated with ids and times shifted per pass so nothing is deduplicated away. Prints trades/s, the
 * same run's raw `redis-benchmark -P 100 -n 200000 -q XADD` rate and the ratio. Uses REDIS_URL
 * (default redis://127.0.0.1:6379/14, a database it flushes).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  createVenueAdapter,
  parseRecordedFrame,
  type LiveVenue,
  type RecordedFrame,
  type VenueAdapter,
  type VenueAdapterSettings,
} from '@mdp/domain-ingestion';
import { TradeStream } from '@mdp/schemas';
import { createLogger, createRedisConnection } from '@mdp/platform';
import { StreamPublisher } from '@mdp/transport';
// The bench measures the service's own pipeline classes, so it imports them from the app (the one
// place outside the app that does; they need Redis and prom-client, so they cannot live in the domain lib).
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmark of the app's own pipeline
import { IngestionMetrics } from '../../apps/ingestion/src/metrics/ingestion.metrics';
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmark of the app's own pipeline
import { IngestionPublisher } from '../../apps/ingestion/src/publishing/ingestion.publisher';
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmark of the app's own pipeline
import { FrameIntake } from '../../apps/ingestion/src/sources/frame-intake.service';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const TRADES = arg('trades', 400_000);
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/14';
const SAMPLE = join(__dirname, '../fixtures/sample-session.jsonl.gz');
const SETTINGS: VenueAdapterSettings = {
  bases: ['BTC', 'ETH', 'HYPE'],
  stocks: [],
  okxContractValues: { 'BTC-USDT-SWAP': 0.01, 'ETH-USDT-SWAP': 0.1 },
  alpaca: { keyId: '', secretKey: '' },
};

/** The raw XADD rate of this Redis: `redis-benchmark -P 100 -n 200000 -q XADD <key> * f v`. */
function rawXaddRate(url: URL): { rate: number; output: string } {
  const key = `bench:ingestion-raw-xadd:${process.pid}`;
  const auth = url.password ? ['-a', decodeURIComponent(url.password)] : [];
  const host = ['-h', url.hostname, '-p', url.port || '6379'];
  const output = execFileSync(
    'redis-benchmark',
    [...host, ...auth, '-P', '100', '-n', '200000', '-q', 'XADD', key, '*', 'f', 'v'],
    { encoding: 'utf8' },
  );
  execFileSync('redis-cli', [...host, ...auth, 'DEL', key], { stdio: 'ignore' });
  const matches = [...output.matchAll(/([\d.]+) requests per second/g)];
  const rate = Number(matches[matches.length - 1]?.[1]);
  if (!Number.isFinite(rate)) throw new Error(`cannot read redis-benchmark output: ${output}`);
  return { rate, output: output.trim().split('\r').pop()!.trim() };
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** One pass of the recording with every id and time shifted, so repeated passes are new events. */
function shifted(
  frame: RecordedFrame,
  pass: number,
  aggSpan: Readonly<Record<string, number>>,
): RecordedFrame {
  if (pass === 0 || frame.frame === 'pong') return frame;
  const dt = pass * 60_000;
  const message = JSON.parse(frame.frame) as Json;
  switch (frame.venue) {
    case 'binance':
      // Aggregate ids continue where the previous pass ended, so only the sample's own gap recurs.
      if (message['e'] === 'aggTrade') {
        message['a'] = Number(message['a']) + pass * (aggSpan[String(message['s'])] ?? 0);
        message['T'] = Number(message['T']) + dt;
      }
      if (message['e'] === 'forceOrder') {
        const order = message['o'] as Json;
        order['T'] = Number(order['T']) + dt;
      }
      break;
    case 'hyperliquid':
      for (const trade of list(message['data'])) {
        trade['tid'] = Number(trade['tid']) + pass * 10_000_000;
        trade['time'] = Number(trade['time']) + dt;
      }
      break;
    case 'bybit':
      for (const item of list(message['data'])) {
        item['T'] = Number(item['T']) + dt;
        if (typeof item['i'] === 'string') item['i'] = `${item['i']}:${pass}`;
      }
      break;
    case 'okx':
      for (const item of list(message['data'])) {
        if (item['tradeId'] !== undefined) {
          item['tradeId'] = String(Number(item['tradeId']) + pass * 10_000_000);
          item['ts'] = String(Number(item['ts']) + dt);
        }
        for (const detail of list(item['details'])) detail['ts'] = String(Number(detail['ts']) + dt);
      }
      break;
    case 'alpaca':
    case 'synthetic':
      break;
  }
  return { ...frame, recvTs: frame.recvTs + dt, frame: JSON.stringify(message) };
}

async function main(): Promise<void> {
  const url = new URL(REDIS_URL);
  const redis = createRedisConnection(REDIS_URL);
  await redis.flushdb();
  const baseline = rawXaddRate(url);

  const sample = gunzipSync(readFileSync(SAMPLE))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => parseRecordedFrame(line))
    .filter((frame) => !frame.frame.startsWith('{"topic":"publicTrade.BTCUSDT","data":[{"T":')); // the deliberately malformed frame
  const tradesPerPass = sample.filter((frame) =>
    /aggTrade|"channel":"trades"|publicTrade/.test(frame.frame),
  ).length;
  const passes = Math.ceil(TRADES / tradesPerPass);
  const aggIds: Record<string, number[]> = {};
  for (const frame of sample) {
    const match = /"e":"aggTrade".*"s":"(\w+)","a":(\d+)/.exec(frame.frame);
    if (match) (aggIds[match[1]!] ??= []).push(Number(match[2]));
  }
  const aggSpan = Object.fromEntries(
    Object.entries(aggIds).map(([symbol, ids]) => [symbol, Math.max(...ids) - Math.min(...ids) + 1]),
  );
  const frames: RecordedFrame[] = [];
  for (let pass = 0; pass < passes; pass++)
    for (const frame of sample) frames.push(shifted(frame, pass, aggSpan));

  const logger = createLogger('ingestion-bench', 'error');
  const metrics = new IngestionMetrics();
  const adapters = new Map<string, VenueAdapter>();
  const adapterFor = (venue: LiveVenue) => {
    let adapter = adapters.get(venue);
    if (!adapter) adapters.set(venue, (adapter = createVenueAdapter(venue, SETTINGS)));
    return adapter;
  };

  // 1. Parse + normalize only (no Redis), for the split of the cost.
  const parseStarted = performance.now();
  let parsedTrades = 0;
  for (const frame of process.argv.includes('--skip-parse-only') ? [] : frames) {
    if (frame.venue === 'synthetic') continue;
    parsedTrades += createOnce(adapterFor, frame).trades.length;
  }
  const parseSeconds = (performance.now() - parseStarted) / 1000;
  adapters.clear();

  // 2. The full path into Redis.
  const streams = new StreamPublisher(redis, {
    maxEventsPerEntry: 256,
    lingerMs: 1,
    validate: false,
    logger,
  }); // as in the service: validated once, by IngestionPublisher
  const publisher = new IngestionPublisher(redis, streams, metrics, logger, {
    dedupCapacity: 10_000,
    flushMs: 5,
    batchSize: 5_000,
    tickTtlSeconds: 300,
    tickIntervalMs: 100,
  });
  const intake = new FrameIntake(publisher, metrics, logger);
  const started = performance.now();
  let handled = 0;
  let syncMs = 0;
  for (const frame of frames) {
    if (frame.venue === 'synthetic') continue;
    const before = performance.now();
    intake.handle(adapterFor(frame.venue), frame.frame, frame.recvTs);
    syncMs += performance.now() - before;
    if (++handled % 256 === 0) await publisher.whenWritable();
  }
  await publisher.flush();
  const seconds = (performance.now() - started) / 1000;
  await streams.close();

  let published = 0;
  for (const [, fields] of await redis.xrangeBuffer(TradeStream.stream, '-', '+')) {
    for (let i = 0; i < fields.length; i += 2)
      if (fields[i]!.toString() === 'n') published += Number(fields[i + 1]!.toString());
  }
  const rate = published / seconds;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`frames: ${frames.length} (${passes} passes of the sample), trades published: ${published}`);
  out(`parse + normalize only: ${Math.round(parsedTrades / parseSeconds).toLocaleString('en-US')} trades/s`);
  out(
    `parse + normalize + validate + dedup + publish: ${Math.round(rate).toLocaleString('en-US')} trades/s (${seconds.toFixed(2)} s)`,
  );
  out(
    `  of which parse + normalize + validate + dedup (synchronous, per frame): ${(syncMs / 1000).toFixed(2)} s`,
  );
  out(
    `raw XADD baseline (redis-benchmark -P 100 -n 200000 -q): ${Math.round(baseline.rate).toLocaleString('en-US')} XADD/s  [${baseline.output}]`,
  );
  out(`ratio to raw XADD: ${(rate / baseline.rate).toFixed(2)}x`);
  out(`target 200,000 trades/s: ${rate >= 200_000 ? 'met' : 'NOT met'}`);
  await redis.flushdb();
  redis.disconnect();
}

function createOnce(adapterFor: (venue: LiveVenue) => VenueAdapter, frame: RecordedFrame) {
  try {
    return adapterFor(frame.venue as LiveVenue).parse(frame.frame, frame.recvTs);
  } catch {
    return { trades: [] };
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
