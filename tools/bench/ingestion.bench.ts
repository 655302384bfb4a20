/**
 * Ingestion benchmark: recorded venue frames -> adapter parse + normalize -> validation, dedup, gap
 * check -> batched XADD to the trade/liquidation/tick streams + tick:latest + pub/sub, i.e. the
 * ingestion service's own FrameIntake and IngestionPublisher over a real Redis.
 *
 *   npm run bench:ingestion [-- --trades 400000] [--skip-parse-only] [--profile /tmp/ingestion.cpuprofile]
 *
 * Frames: the sample recording (Binance aggTrade/forceOrder, Hyperliquid, Bybit and OKX frames),
 * repeated with ids and times shifted per pass so nothing is deduplicated away. Prints trades/s, the
 * same run's raw `redis-benchmark -P 100 -n 200000 XADD` rate and the ratio. Uses BENCH_REDIS_URL
 * (a URL with its database, which it flushes) or else leases a test database of the server at
 * REDIS_URL (default redis://127.0.0.1:6379) as a test run does, so it never flushes one in use. `--profile <file>` takes a V8 CPU
 * profile of the full-path phase only, writes it to <file> and prints self time per part of the
 * pipeline and the top functions.
 */
import 'reflect-metadata';
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
import { TickStream, TradeStream } from '@mdp/schemas';
import { createLogger, createRedisConnection } from '@mdp/platform';
import { StreamPublisher, publisherOptionsFrom } from '@mdp/transport';
// The bench measures the service's own pipeline classes, so it imports them from the app (the one
// place outside the app that does; they need Redis and prom-client, so they cannot live in the domain lib).
// The tools project may import apps (benchmarks of their own pipelines).
import { IngestionConfig } from '../../apps/ingestion/src/ingestion.config';
import { IngestionMetrics } from '../../apps/ingestion/src/metrics/ingestion.metrics';
import { IngestionPublisher } from '../../apps/ingestion/src/publishing/ingestion.publisher';
import { FrameIntake } from '../../apps/ingestion/src/sources/frame-intake.service';
import { CpuProfile, type ProfileBucket } from './cpu-profile';
import { leaseRedisDbs, releaseRedisDbs } from '@mdp/testing';
import { measureRawXaddRate } from './redis-baseline';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const TRADES = arg('trades', 400_000);
const PROFILE_FILE = process.argv.includes('--profile')
  ? process.argv[process.argv.indexOf('--profile') + 1]
  : undefined;
/** A Redis URL with its database (flushed); by default a test database leased like a test run's. */
const GIVEN_REDIS_URL = process.env['BENCH_REDIS_URL'] ?? '';
const LOCAL_REDIS = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const SAMPLE = join(__dirname, '../fixtures/sample-session.jsonl.gz');
const SETTINGS: VenueAdapterSettings = {
  bases: ['BTC', 'ETH', 'HYPE'],
  stocks: [],
  okxContractValues: { 'BTC-USDT-SWAP': 0.01, 'ETH-USDT-SWAP': 0.1 },
  alpaca: { keyId: '', secretKey: '' },
};

/** The parts of the pipeline a profile's self time is attributed to (first match wins). */
const PROFILE_BUCKETS: ProfileBucket[] = [
  { name: 'garbage collection', pattern: /^\(garbage collector\)/ },
  { name: 'idle (waiting for Redis)', pattern: /^\(idle\)/ },
  { name: 'parse (JSON.parse, frames the text readers leave)', pattern: /^parseJson |JSON\.parse/ },
  {
    name: 'read + normalize (text readers, venue adapters)',
    pattern: /libs\/domain\/ingestion\/src\/lib\/(adapters|frame-fields|frame-text|instrument)/,
  },
  {
    name: 'validate (schema rules)',
    pattern: /message-validator|class-validator|node_modules\/validator|^RegExp:/,
  },
  { name: 'dedup + trade-id gap check', pattern: /recent-id\.cache|trade-id-gap/ },
  { name: 'metrics (prom-client)', pattern: /prom-client|ingestion\.metrics/ },
  { name: 'ingestion publisher + intake (buffers, ticks)', pattern: /apps\/ingestion/ },
  { name: 'pack (column-major MessagePack)', pattern: /stream-codec|msgpackr/ },
  {
    name: 'XADD (stream publisher, ioredis, socket)',
    pattern:
      /stream-publisher|ioredis|redis-parser|denque|cluster-key-slot|standard-as-callback|node:net|node:internal\/(stream|net)|^(writev|writeBuffer|writeUtf8String|writeLatin1String) /,
  },
  { name: 'bench driver', pattern: /tools\/bench/ },
  { name: 'profiler itself', pattern: /^dispatch $|node:inspector/ },
];

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
  const owner = `ingestion-bench-${process.pid}`;
  const leased = GIVEN_REDIS_URL === '' ? await leaseRedisDbs(LOCAL_REDIS, 1, owner) : [];
  const REDIS_URL = leased.length > 0 ? `${LOCAL_REDIS}/${leased[0]}` : GIVEN_REDIS_URL;
  const redis = createRedisConnection(REDIS_URL);
  await redis.flushdb();
  const baseline = measureRawXaddRate(REDIS_URL, 200_000);

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

  // 2. The full path into Redis, with the service's default settings (as IngestionService builds it:
  // the events are validated once, by IngestionPublisher, so the stream publisher does not repeat it).
  const config = new IngestionConfig();
  const streams = new StreamPublisher(redis, { ...publisherOptionsFrom(config), validate: false, logger });
  const publisher = new IngestionPublisher(redis, streams, metrics, logger, {
    dedupCapacity: config.INGESTION_DEDUP_CAPACITY,
    flushMs: config.INGESTION_FLUSH_MS,
    batchSize: config.INGESTION_BATCH_SIZE,
    tickTtlSeconds: config.INGESTION_TICK_TTL_SECONDS,
    tickIntervalMs: config.INGESTION_TICK_INTERVAL_MS,
  });
  const intake = new FrameIntake(publisher, metrics, logger);
  const profile = PROFILE_FILE ? new CpuProfile() : null;
  await profile?.start();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let handled = 0;
  for (const frame of frames) {
    if (frame.venue === 'synthetic') continue;
    intake.handle(adapterFor(frame.venue), frame.frame, frame.recvTs);
    if (++handled % 256 === 0) await publisher.whenWritable();
  }
  await publisher.flush();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const profileSummary = profile ? await profile.stop(PROFILE_FILE!, PROFILE_BUCKETS) : [];
  await streams.close();

  const eventsIn = async (stream: string) => {
    let count = 0;
    for (const [, fields] of await redis.xrangeBuffer(stream, '-', '+')) {
      for (let i = 0; i < fields.length; i += 2)
        if (fields[i]!.toString() === 'n') count += Number(fields[i + 1]!.toString());
    }
    return count;
  };
  const published = await eventsIn(TradeStream.stream);
  const ticks = await eventsIn(TickStream.stream);
  const rate = published / seconds;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `frames: ${frames.length} (${passes} passes of the sample), trades published: ${published}, ticks published: ${ticks}`,
  );
  out(`parse + normalize only: ${Math.round(parsedTrades / parseSeconds).toLocaleString('en-US')} trades/s`);
  out(
    `parse + normalize + validate + dedup + publish: ${Math.round(rate).toLocaleString('en-US')} trades/s (${seconds.toFixed(2)} s)`,
  );
  // CPU time of this process (all its threads), which other load on the machine disturbs far less
  // than wall time: the figure to compare between runs on a busy machine.
  const cpuPerTrade = (cpu.user + cpu.system) / published;
  out(
    `  CPU of this process: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s = ${cpuPerTrade.toFixed(2)} us per trade (${Math.round(1e6 / cpuPerTrade).toLocaleString('en-US')} trades per CPU-second)`,
  );
  out(
    `raw XADD baseline (redis-benchmark -P 100 -n 200000): ${Math.round(baseline).toLocaleString('en-US')} XADD/s`,
  );
  out(`ratio to raw XADD: ${(rate / baseline).toFixed(2)}x`);
  out(`target 200,000 trades/s: ${rate >= 200_000 ? 'met' : 'NOT met'}`);
  if (profile) out([...profileSummary, `profile written to ${PROFILE_FILE}`].join('\n'));
  await redis.flushdb();
  redis.disconnect();
  if (leased.length > 0) await releaseRedisDbs(LOCAL_REDIS, leased, owner);
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
