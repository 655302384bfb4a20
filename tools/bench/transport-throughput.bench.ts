/**
 * Transport benchmark: normalized trades, producer -> Redis Streams -> Nest consumer handler, the
 * producer in this process and the consumer in its own (as two services would be).
 *
 *   npm run bench:transport [-- --events 500000 --paced-rate 10000 --paced-seconds 5]
 *
 * Prints (1) events/s of a saturating run with batch frames, beside the same run's raw
 * `redis-benchmark -P 100` XADD rate and the ratio; (2) delivery latency p50/p99 (publish call to
 * handler, across processes) at a paced rate. Uses REDIS_URL (default redis://127.0.0.1:6379/15,
 * a database it flushes).
 */
import 'reflect-metadata';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';
import { createRedisConnection } from '@mdp/platform';
import { spawnTs } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { measureRawXaddRate } from './redis-baseline';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const EVENTS = arg('events', 500_000);
const PACED_RATE = arg('paced-rate', 10_000);
const PACED_SECONDS = arg('paced-seconds', 5);
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/15';
const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

async function main(): Promise<void> {
  const admin = createRedisConnection(REDIS_URL);
  await admin.flushdb();
  const raw = measureRawXaddRate(REDIS_URL);

  // One unmeasured second at the paced rate first, so the consumer's clean-up after the saturating
  // run (a major GC of its half a million events) does not count as delivery latency.
  const warmUp = PACED_RATE;
  const pacedTotal = warmUp + PACED_RATE * PACED_SECONDS;
  const reports: string[][] = [];
  let onReport: () => void = () => undefined;
  const consumer = spawnTs('tools/bench/transport-consumer.child.ts', {
    env: { REDIS_URL, BENCH_TARGETS: `${EVENTS},${pacedTotal}` },
    onLine: (line) => {
      if (line === 'ready') onReport();
      if (line.startsWith('done')) {
        reports.push(line.split(' '));
        onReport();
      }
    },
  });
  const next = () => new Promise<void>((resolve) => (onReport = resolve));
  await next();

  const publisherConnection = createRedisConnection(REDIS_URL);
  const publisher = new StreamPublisher(publisherConnection, { maxEventsPerEntry: 256 });
  const template = aTrade();
  // A plain literal per event (object spread costs about 1 us on this machine's Node build), built
  // chunk by chunk as a real producer would, so the heap does not hold every event at once.
  const trade = (tradeId: string, ts: number): TradeMessage => ({
    exchange: template.exchange,
    market: template.market,
    symbol: template.symbol,
    base: template.base,
    quote: template.quote,
    venueSymbol: template.venueSymbol,
    tradeId,
    price: template.price,
    size: template.size,
    notionalUsd: template.notionalUsd,
    side: template.side,
    ts,
    recvTs: ts,
  });

  // 1. Saturating run: chunks of 1000 events, up to 64 publish calls in flight.
  let report = next();
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const inFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < EVENTS; i += 1000) {
    const chunk = new Array<TradeMessage>(1000);
    for (let j = 0; j < 1000; j++) chunk[j] = trade(String(i + j), 1_700_000_000_000 + i + j);
    inFlight.push(publisher.publish(TradeStream, chunk));
    if (inFlight.length >= 64) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await report;
  const seconds = (performance.now() - started) / 1000;
  const producerCpu = process.cpuUsage(cpuStart);
  const producerMicros = (producerCpu.user + producerCpu.system) / EVENTS;
  const consumerMicros = Number(reports[0]![5]);
  const rate = EVENTS / seconds;

  // 2. Paced run: PACED_RATE events/s in 1 ms ticks.
  report = next();
  const pacedStart = performance.now();
  let sent = 0;
  while (sent < pacedTotal) {
    const due = Math.min(pacedTotal, Math.floor(((performance.now() - pacedStart) / 1000) * PACED_RATE));
    const batch: TradeMessage[] = [];
    for (; sent < due; sent++) {
      batch.push(trade(sent < warmUp ? `w${sent}` : `${sent}@${Math.round(nowMicros())}`, Date.now()));
    }
    if (batch.length > 0) void publisher.publish(TradeStream, batch);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await report;
  const [, , p50, p99, max] = reports[1]!;

  process.stdout.write(
    [
      `transport benchmark (${new Date().toISOString()}, node ${process.version}, ${EVENTS} events)`,
      `saturating: ${Math.round(rate)} events/s producer -> stream -> consumer handler (batch frames of 256, ${seconds.toFixed(2)} s)`,
      `cpu per event: producer ${producerMicros.toFixed(2)} us, consumer ${consumerMicros.toFixed(2)} us (one core each: ${Math.round(1e6 / Math.max(producerMicros, consumerMicros))} events/s bound)`,
      `raw baseline: redis-benchmark -P 100 XADD = ${Math.round(raw)} XADD/s`,
      `ratio: ${(rate / raw).toFixed(2)} (target >= 0.3)`,
      `paced ${PACED_RATE} events/s for ${PACED_SECONDS} s (after 1 s unmeasured): delivery latency p50 ${p50} ms, p99 ${p99} ms, max ${max} ms (target p99 < 5 ms)`,
    ].join('\n') + '\n',
  );

  await publisher.close();
  publisherConnection.disconnect();
  consumer.kill('SIGTERM');
  await admin.flushdb();
  admin.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
