/**
 * End-to-end benchmark (issue 11): the synthetic generator at a fixed rate through ingestion ->
 * liquidation-detector and flow-aggregator -> warm-writer, every service its production bundle
 * (`node dist/apps/<app>/main.js`, built first with `nx run-many -t build`, cached when unchanged)
 * in a child process, on a Redis database of its own (leased like a test run's, flushed) and a
 * freshly migrated PostgreSQL database.
 *
 *   npm run bench:e2e                                   # 20k events/s for 60 s, then a 10x burst for 60 s
 *   npm run bench:e2e -- --rate 20000 --seconds 60 --burst-seconds 60 --burst-factor 10
 *   npm run bench:e2e -- --burst-seconds 15             # shorter burst
 *   npm run bench:e2e -- --profile                      # also V8 tick profiles of each service
 *
 * Phases: warm-up (`--warmup` s, not measured), sustained (`--seconds`), burst (a second ingestion
 * process adds (factor - 1) x the rate for `--burst-seconds`), drain (until every consumer group
 * of the input streams has acknowledged every event of up to the burst's end, and ingestion is
 * publishing current events again; given up after `--drain-limit` x the burst's length).
 *
 * How each figure is measured, from outside the services (none of them records a handled time):
 * - the bench reads every stream with plain XREAD (no group) and decodes each entry's event times;
 *   the entry id's milliseconds are when Redis added it (event -> XADD);
 * - every 10 ms (`--poll-ms`) it reads XINFO GROUPS and XPENDING of each stream: everything up to
 *   the group's last-delivered id and below its oldest pending id is acknowledged, so an event's
 *   "acknowledged by group G" time is the first poll that saw it so (resolution: one poll). The
 *   services acknowledge only after handling (the warm writer after its rows are committed), so this
 *   is event -> handled by the detector / the aggregator, and event -> warm row;
 * - event -> flow snapshot, by content: the k-th trade of a coin's 1m window in stream order is in the
 *   first snapshot of that window whose notice says `totalTrades` >= k (the aggregator handles the
 *   stream in order); its `writtenAt` minus the event time (and minus the XADD time). A trade no
 *   snapshot ever covered (dropped late or as a duplicate) is counted, not timed;
 * - event -> signal: the signal's `ts` (the liquidation's event time) to its XADD on `stream:{signals}`;
 * - snapshot -> warm row: `stored_at - written_at` of `flow_snapshots`, from SQL at the end;
 * - processed events/s per group: events acknowledged per second; also XINFO `entries-read` deltas;
 * - CPU per service: utime + stime of /proc/<pid>/stat, per phase; Redis used_memory from INFO.
 *
 * Event time is the generator's own clock (`ts`); ingestion hands over due events every 5 ms and
 * writes its buffer at once, or INGESTION_FLUSH_MS (set here with `--flush-ms`, default 5) after
 * its last write started, so event -> XADD includes up to about 10 ms of pacing by design. REDIS_URL (default redis://127.0.0.1:6379)
 * names the server; DATABASE_URL / the test services' PostgreSQL hosts the scratch database.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import { build, type Histogram } from 'hdr-histogram-js';
import { Unpackr } from 'msgpackr';
import { Client } from 'pg';
import Redis from 'ioredis';
import { SyntheticMarketGenerator } from '@mdp/domain-ingestion';
import {
  CandleStream,
  FlowSnapshotStream,
  LiquidationSignalStream,
  LiquidationStream,
  TradeStream,
} from '@mdp/schemas';
import { WORKSPACE_ROOT, leaseRedisDbs, releaseRedisDbs } from '@mdp/testing';
import { createMigratedDatabase } from '@mdp/data-access-warm-store/testing';
import { cpuJiffies, stolenShare } from './machine';
import { measureRawXaddRate } from './redis-baseline';

const arg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const RATE = arg('rate', 20_000);
const WARMUP_S = arg('warmup', 10);
const SUSTAINED_S = arg('seconds', 60);
const BURST_S = arg('burst-seconds', 60);
const BURST_FACTOR = arg('burst-factor', 10);
const DRAIN_LIMIT = arg('drain-limit', 4);
const POLL_MS = arg('poll-ms', 10);
const FLOW_PUBLISH_MS = arg('flow-publish-ms', 10);
const FLUSH_MS = arg('flush-ms', 5);
const PROFILE = flag('profile');
const SKIP_BUILD = flag('no-build');
/** Extra Node flags for the flow aggregator, e.g. `--flow-node-args=--max-semi-space-size=64`. */
const FLOW_NODE_ARGS = (
  process.argv.find((a) => a.startsWith('--flow-node-args='))?.slice('--flow-node-args='.length) ?? ''
)
  .split(' ')
  .filter(Boolean);
const REDIS_SERVER = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const APPS = ['ingestion', 'liquidation-detector', 'flow-aggregator', 'warm-writer'] as const;
type App = (typeof APPS)[number] | 'ingestion-burst';

const STREAMS = {
  trades: TradeStream.stream,
  liquidations: LiquidationStream.stream,
  signals: LiquidationSignalStream.stream,
  snapshots: FlowSnapshotStream.stream,
  candles: CandleStream.stream,
};
const INPUT_STREAMS = new Set([STREAMS.trades, STREAMS.liquidations]);

const unpackr = new Unpackr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  variableMapSize: true,
});
const hist = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3 });
const idKey = (id: string): number => {
  const dash = id.indexOf('-');
  return Number(id.slice(0, dash)) * 1000 + Math.min(999, Number(id.slice(dash + 1)));
};
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const loads = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The services this run started; stopped by `abort` when the run fails or is interrupted. */
const children = new Map<App, ChildProcess>();
let abort = (code: number): Promise<void> => {
  for (const child of children.values())
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return Promise.resolve(process.exit(code));
};

/** One stream entry as the bench read it: its events' times (run-length encoded), and coins for trades. */
interface Entry {
  key: number;
  idMs: number;
  n: number;
  /** Event times, run-length encoded: runTs[i] occurs runCount[i] times (with runCoin[i] for trades). */
  runTs: number[];
  runCount: number[];
  runCoin: string[];
  /** Events with an event time before the burst's end (for the drain condition). */
  early: number;
}

type Phase = 'warmup' | 'sustained' | 'burst' | 'drain';
const PHASES: Phase[] = ['sustained', 'burst', 'drain'];

/** An (stream, group) pair: its queue of entries not yet acknowledged, and what was measured. */
class GroupTrack {
  readonly queue: Entry[] = [];
  head = 0;
  frontier = 0;
  readonly historyTime: number[] = [];
  readonly historyFront: number[] = [];
  readonly latency = new Map<Phase, Histogram>(PHASES.map((phase) => [phase, hist()]));
  /** XADD -> acknowledged (the pipeline without the source's pacing), by the XADD's phase. */
  readonly fromXadd = new Map<Phase, Histogram>(PHASES.map((phase) => [phase, hist()]));
  ackedPerSecond = new Map<number, number>();
  unackedEarly = 0;
  lag = 0;
  pending = 0;
  entriesRead = 0;
  lastDelivered = '0-0';
  lagSeries: Array<[number, number]> = [];
  maxLag = new Map<Phase, number>();

  constructor(
    readonly stream: string,
    readonly group: string,
  ) {}

  /** The first poll time whose frontier covered `key` (the entry was read by the bench after that). */
  ackTimeOf(key: number): number {
    let lo = 0;
    let hi = this.historyFront.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.historyFront[mid]! >= key) hi = mid;
      else lo = mid + 1;
    }
    return this.historyTime[lo]!;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

function cpuTicks(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function pairs(reply: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

/** Mean events per generator step at this rate, measured on the generator itself (bursts, cascades). */
function eventsPerCalmTrade(rate: number, seed: number): number {
  const startTs = 1_700_000_000_000;
  const generator = new SyntheticMarketGenerator({
    seed,
    startTs,
    bases: ['BTC', 'ETH', 'HYPE'],
    tradesPerSecond: rate,
  });
  let events = 0;
  while (generator.peekTs() < startTs + 20_000) {
    generator.next();
    events += 1;
  }
  return events / 20 / rate;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`end-to-end benchmark (${startedAt.toISOString()}, node ${process.version}, load average ${loads()})`);

  if (!SKIP_BUILD) {
    log(`building the bundles: npx nx run-many -t build -p ${APPS.join(',')}`);
    execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', APPS.join(','), '--output-style=static'], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  for (const app of APPS) {
    if (!existsSync(path.join(WORKSPACE_ROOT, 'dist/apps', app, 'main.js')))
      throw new Error(`dist/apps/${app}/main.js missing`);
  }

  const owner = `bench-e2e:${process.pid}`;
  const [db] = await leaseRedisDbs(REDIS_SERVER, 1, owner);
  // Interrupted (Ctrl-C, timeout) or failed: stop the services and give the database lease back.
  abort = async (code) => {
    for (const child of children.values()) if (running(child)) child.kill('SIGTERM');
    await releaseRedisDbs(REDIS_SERVER, [db!], owner).catch(() => undefined);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void abort(130));
  const redisUrl = new URL(REDIS_SERVER);
  redisUrl.pathname = `/${db}`;
  const REDIS_URL = redisUrl.toString();
  const admin = new Redis(REDIS_URL);
  await admin.flushdb();
  const database = await createMigratedDatabase('mdp_bench_e2e');
  log(`redis ${REDIS_URL} (flushed), warm store ${database.url} (migrated)`);

  const rawXadd = measureRawXaddRate(REDIS_URL);
  log(`raw baseline: redis-benchmark -P 100 XADD = ${fmt(rawXadd)} XADD/s (load average ${loads()})`);

  const factor = eventsPerCalmTrade(RATE, 42);
  const generatorRate = RATE / factor;
  log(
    `generator: ${fmt(factor, 3)} events per calm trade at this rate -> INGESTION_GENERATOR_RATE=${fmt(generatorRate, 1)} for ${fmt(RATE)} events/s`,
  );
  // The burst generator (its own seed, at (factor - 1) x the rate) is calibrated on its own: the
  // generator's cascades and bursts do not scale with the rate, so its events per calm trade differ.
  const burstRate = RATE * (BURST_FACTOR - 1);
  const burstFactor = BURST_S > 0 && BURST_FACTOR > 1 ? eventsPerCalmTrade(burstRate, 4242) : 1;
  const burstGeneratorRate = burstRate / burstFactor;
  if (BURST_S > 0 && BURST_FACTOR > 1)
    log(
      `burst generator: ${fmt(burstFactor, 3)} events per calm trade -> INGESTION_GENERATOR_RATE=${fmt(burstGeneratorRate, 1)} for ${fmt(burstRate)} events/s more`,
    );

  // Phase boundaries (wall clock, epoch ms). The burst ingestion starts now but its generator's
  // clock starts at the burst, so it only publishes from then on.
  let t0 = Date.now() + 60_000; // set once the consumers are ready
  let s0 = t0 + WARMUP_S * 1000;
  let b0 = s0 + SUSTAINED_S * 1000;
  let b1 = b0 + BURST_S * 1000;

  const profileDir = path.join('/tmp', `bench-e2e-profile-${process.pid}`);
  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  const ports = new Map<App, number>();
  const stderrTail = new Map<App, string>();
  const start = async (app: App, env: Record<string, string>): Promise<void> => {
    const port = await freePort();
    ports.set(app, port);
    const bundle = app === 'ingestion-burst' ? 'ingestion' : app;
    const nodeArgs = [
      ...(PROFILE
        ? ['--prof', '--no-logfile-per-isolate', `--logfile=${path.join(profileDir, `${app}.v8.log`)}`]
        : []),
      ...(app === 'flow-aggregator' ? FLOW_NODE_ARGS : []),
    ];
    const child = spawn(process.execPath, [...nodeArgs, `dist/apps/${bundle}/main.js`], {
      cwd: WORKSPACE_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        REDIS_URL,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => stderrTail.set(app, ((stderrTail.get(app) ?? '') + chunk).slice(-2000)));
    child.on('exit', (code, signal) => {
      if (code && !signal) process.stderr.write(`${app} exited ${code}: ${stderrTail.get(app) ?? ''}\n`);
    });
    children.set(app, child);
  };
  const ready = async (app: App): Promise<void> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${ports.get(app)}/health/ready`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`${app} not ready after 120 s: ${stderrTail.get(app) ?? ''}`);
      await sleep(200);
    }
  };

  // Consumers first, so their groups exist before the first event.
  await start('liquidation-detector', {
    // The synthetic market moves about 2 % an hour; the seed's 2 % VWAP offset would give no signals
    // to time, so the bench asks for 0.05 %.
    LONG_VWAP_OFFSET: '0.05',
    SHORT_VWAP_OFFSET: '0.05',
  });
  await start('flow-aggregator', { FLOW_PUBLISH_INTERVAL_MS: String(FLOW_PUBLISH_MS) });
  await start('warm-writer', { DATABASE_URL: database.url });
  await Promise.all(
    ['liquidation-detector', 'flow-aggregator', 'warm-writer'].map((app) => ready(app as App)),
  );
  const startGap = 20_000;
  t0 = Date.now() + startGap;
  s0 = t0 + WARMUP_S * 1000;
  b0 = s0 + SUSTAINED_S * 1000;
  b1 = b0 + BURST_S * 1000;
  await start('ingestion', {
    INGESTION_SOURCE: 'generator',
    INGESTION_GENERATOR_RATE: String(generatorRate),
    INGESTION_GENERATOR_SEED: '42',
    INGESTION_GENERATOR_START_TS: String(t0),
    INGESTION_FLUSH_MS: String(FLUSH_MS),
  });
  if (BURST_S > 0 && BURST_FACTOR > 1) {
    await start('ingestion-burst', {
      INGESTION_SOURCE: 'generator',
      INGESTION_GENERATOR_RATE: String(burstGeneratorRate),
      INGESTION_GENERATOR_SEED: '4242',
      INGESTION_GENERATOR_START_TS: String(b0),
      INGESTION_GENERATOR_END_TS: String(b1),
      INGESTION_FLUSH_MS: String(FLUSH_MS),
    });
  }
  await Promise.all(
    [...children.keys()].filter((app) => app.startsWith('ingestion')).map((app) => ready(app)),
  );
  if (Date.now() > t0) throw new Error('services took longer than the start gap to become ready');
  log(
    `services ready (bundles: ${[...children.entries()].map(([app, child]) => `${app} pid ${child.pid}`).join(', ')}); load average ${loads()}`,
  );

  // --- measurement state
  const tracks = new Map<string, GroupTrack>();
  const trackList = (): GroupTrack[] => [...tracks.values()];
  const phaseOf = (time: number): Phase =>
    time < s0 ? 'warmup' : time < b0 ? 'sustained' : time < b1 ? 'burst' : 'drain';
  const published = new Map<number, number>(); // second -> input events XADDed
  const publishDelay = new Map<Phase, Histogram>(PHASES.map((phase) => [phase, hist()]));
  const signalLatency = new Map<Phase, Histogram>(PHASES.map((phase) => [phase, hist()]));
  const snapshotLatency = new Map<Phase, Histogram>(PHASES.map((phase) => [phase, hist()]));
  let signals = 0;
  let liquidationsPublished = 0;
  let eventsPublished = 0;
  /** Input events whose event time falls in the burst, whenever they were published. */
  let burstTimeEvents = 0;
  const snapshotFromXadd = new Map<Phase, Histogram>(PHASES.map((phase) => [phase, hist()]));
  /**
   * Per `coin|1m window start`: trades seen in stream order (k), those no snapshot covered yet (k,
   * event time, XADD time), and the snapshots announced so far (totalTrades, writtenAt).
   */
  const windows = new Map<
    string,
    {
      seen: number;
      waitK: number[];
      waitTs: number[];
      waitIdMs: number[];
      head: number;
      notices: Array<[number, number]>;
    }
  >();
  const windowOf = (key: string) => {
    let found = windows.get(key);
    if (!found)
      windows.set(key, (found = { seen: 0, waitK: [], waitTs: [], waitIdMs: [], head: 0, notices: [] }));
    return found;
  };
  const recordSnapshot = (ts: number, idMs: number, writtenAt: number) => {
    snapshotLatency.get(phaseOf(ts))?.recordValue(Math.max(1, writtenAt - ts));
    snapshotFromXadd.get(phaseOf(ts))?.recordValue(Math.max(1, writtenAt - idMs));
  };
  let burstExitedAt = 0;
  let burstFinishedAt = 0;
  const burstFinished = async (): Promise<boolean> => {
    try {
      const response = await fetch(`http://127.0.0.1:${ports.get('ingestion-burst')}/health/ready`);
      const body = (await response.json()) as { checks?: Record<string, { finished?: boolean }> };
      return body.checks?.['ingestion-source']?.finished === true;
    } catch {
      return false;
    }
  };
  let caughtUpAfterBurst = false;
  let drainedAt = 0;

  const track = (stream: string, group: string): GroupTrack => {
    const key = `${stream}|${group}`;
    let found = tracks.get(key);
    if (!found) tracks.set(key, (found = new GroupTrack(stream, group)));
    return found;
  };

  const onAcked = (t: GroupTrack, entry: Entry, ackedAt: number): void => {
    for (let i = 0; i < entry.runTs.length; i++) {
      const ts = entry.runTs[i]!;
      t.latency.get(phaseOf(ts))?.recordValueWithCount(Math.max(1, ackedAt - ts), entry.runCount[i]!);
    }
    t.fromXadd.get(phaseOf(entry.idMs))?.recordValueWithCount(Math.max(1, ackedAt - entry.idMs), entry.n);
    const second = Math.floor(ackedAt / 1000);
    t.ackedPerSecond.set(second, (t.ackedPerSecond.get(second) ?? 0) + entry.n);
    t.unackedEarly -= entry.early;
  };

  // --- reader: every stream, plain XREAD, decoding event times
  const reader = new Redis(REDIS_URL);
  const readFrom = new Map<string, string>(Object.values(STREAMS).map((stream) => [stream, '0-0']));
  let reading = true;
  const readLoop = (async () => {
    const streams = [...readFrom.keys()];
    while (reading) {
      const reply = await reader.xreadBuffer(
        'COUNT',
        2000,
        'BLOCK',
        100,
        'STREAMS',
        ...streams,
        ...streams.map((stream) => readFrom.get(stream)!),
      );
      if (!reply) continue;
      for (const [streamBuffer, entries] of reply) {
        const stream = streamBuffer.toString();
        for (const [idBuffer, fields] of entries) {
          const id = idBuffer.toString();
          readFrom.set(stream, id);
          let payload: Buffer | undefined;
          for (let i = 0; i + 1 < fields.length; i += 2)
            if (fields[i]!.toString() === 'p') payload = fields[i + 1];
          if (!payload) continue;
          const [names, rows] = unpackr.unpack(payload) as [string[], unknown[][]];
          const key = idKey(id);
          const idMs = Math.floor(key / 1000);
          const column = (name: string) => names.indexOf(name);
          const entry: Entry = { key, idMs, n: rows.length, runTs: [], runCount: [], runCoin: [], early: 0 };
          if (stream === STREAMS.snapshots) {
            const [coin, window, timestamp, writtenAt, totalTrades] = [
              'coin',
              'timeWindow',
              'timestamp',
              'writtenAt',
              'totalTrades',
            ].map(column);
            for (const row of rows) {
              const at = row[writtenAt!] as number;
              entry.runTs.push(at);
              entry.runCount.push(1);
              entry.runCoin.push('');
              if (row[window!] !== '1m') continue;
              const w = windowOf(`${String(row[coin!])}|${String(row[timestamp!])}`);
              const total = row[totalTrades!] as number;
              w.notices.push([total, at]);
              while (w.head < w.waitK.length && w.waitK[w.head]! <= total) {
                recordSnapshot(w.waitTs[w.head]!, w.waitIdMs[w.head]!, at);
                w.head += 1;
              }
              if (w.head > 4096) {
                w.waitK.splice(0, w.head);
                w.waitTs.splice(0, w.head);
                w.waitIdMs.splice(0, w.head);
                w.head = 0;
              }
            }
          } else {
            const tsColumn = column('ts');
            const baseColumn = column('base');
            for (const row of rows) {
              // Candles carry no event time of their own: their XADD time stands in.
              const ts = tsColumn >= 0 ? (row[tsColumn] as number) : idMs;
              const coin = baseColumn >= 0 ? String(row[baseColumn]) : '';
              const last = entry.runTs.length - 1;
              if (last >= 0 && entry.runTs[last] === ts && entry.runCoin[last] === coin)
                entry.runCount[last]! += 1;
              else {
                entry.runTs.push(ts);
                entry.runCount.push(1);
                entry.runCoin.push(coin);
              }
              if (ts < b1) entry.early += 1;
              if (stream === STREAMS.trades) {
                const w = windowOf(`${coin}|${ts - (ts % 60_000)}`);
                const k = ++w.seen;
                // Already announced (the notice was read first): the first snapshot holding k.
                const notices = w.notices;
                if (notices.length > 0 && notices[notices.length - 1]![0] >= k) {
                  let lo = 0;
                  let hi = notices.length - 1;
                  while (lo < hi) {
                    const mid = (lo + hi) >> 1;
                    if (notices[mid]![0] >= k) hi = mid;
                    else lo = mid + 1;
                  }
                  recordSnapshot(ts, idMs, notices[lo]![1]);
                } else {
                  w.waitK.push(k);
                  w.waitTs.push(ts);
                  w.waitIdMs.push(idMs);
                }
              }
              if (INPUT_STREAMS.has(stream)) {
                publishDelay.get(phaseOf(ts))?.recordValue(Math.max(1, idMs - ts));
                if (ts >= b0 && ts < b1) burstTimeEvents += 1;
              }
              if (stream === STREAMS.signals)
                signalLatency.get(phaseOf(ts))?.recordValue(Math.max(1, idMs - ts));
            }
            if (INPUT_STREAMS.has(stream)) {
              eventsPublished += rows.length;
              const second = Math.floor(idMs / 1000);
              published.set(second, (published.get(second) ?? 0) + rows.length);
              if (stream === STREAMS.liquidations) liquidationsPublished += rows.length;
              if (burstExitedAt && idMs > burstExitedAt && entry.runTs.some((ts) => ts >= b1))
                caughtUpAfterBurst = true;
            }
            if (stream === STREAMS.signals) signals += rows.length;
          }
          for (const t of trackList()) {
            if (t.stream !== stream) continue;
            t.unackedEarly += entry.early;
            if (t.historyFront.length > 0 && t.frontier >= key) onAcked(t, entry, t.ackTimeOf(key));
            else t.queue.push(entry);
          }
        }
      }
    }
  })();

  // --- poller: XINFO GROUPS + XPENDING, the frontiers, lags
  const poller = new Redis(REDIS_URL);
  let polling = true;
  const pollOnce = async (): Promise<void> => {
    const pipeline = poller.pipeline();
    const streams = Object.values(STREAMS);
    for (const stream of streams) pipeline.xinfo('GROUPS', stream);
    const known = trackList();
    for (const t of known) pipeline.xpending(t.stream, t.group);
    const replies = (await pipeline.exec()) ?? [];
    const now = Date.now();
    streams.forEach((stream, i) => {
      const [error, groups] = replies[i]!;
      if (error || !Array.isArray(groups)) return;
      for (const raw of groups as unknown[][]) {
        const info = pairs(raw);
        const t = track(stream, String(info['name']));
        t.lag = Number(info['lag'] ?? 0);
        t.pending = Number(info['pending'] ?? 0);
        t.entriesRead = Number(info['entries-read'] ?? 0);
        t.lastDelivered = String(info['last-delivered-id']);
      }
    });
    known.forEach((t, i) => {
      const [error, summary] = replies[streams.length + i]!;
      if (error || !Array.isArray(summary)) return;
      const count = Number(summary[0]);
      const frontier = count > 0 ? idKey(String(summary[1])) - 1 : idKey(t.lastDelivered);
      t.frontier = Math.max(t.frontier, frontier);
      t.historyTime.push(now);
      t.historyFront.push(t.frontier);
      while (t.head < t.queue.length && t.queue[t.head]!.key <= t.frontier)
        onAcked(t, t.queue[t.head++]!, now);
      if (t.head > 10_000) {
        t.queue.splice(0, t.head);
        t.head = 0;
      }
      const phase = phaseOf(now);
      t.maxLag.set(phase, Math.max(t.maxLag.get(phase) ?? 0, t.lag));
    });
    // Drained: the burst's events are all handled, ingestion publishes current events again, and
    // every group of the input streams is again within a second of the stream's head (its oldest
    // unacknowledged entry was added less than a second ago).
    if (
      burstExitedAt &&
      !drainedAt &&
      caughtUpAfterBurst &&
      known
        .filter((t) => INPUT_STREAMS.has(t.stream))
        .every((t) => t.unackedEarly <= 0 && (t.head >= t.queue.length || now - t.queue[t.head]!.idMs < 1000))
    ) {
      drainedAt = now;
    }
  };
  const pollLoop = (async () => {
    while (polling) {
      const began = Date.now();
      await pollOnce();
      await sleep(Math.max(0, POLL_MS - (Date.now() - began)));
    }
  })();

  // --- per-second samples: memory, CPU, lags
  interface Sample {
    at: number;
    usedMemory: number;
    cpu: Map<App | 'redis-server' | 'bench', number>;
    /** XINFO GROUPS entries-read per stream|group. */
    entriesRead: Map<string, number>;
  }
  const redisPid = Number((await admin.info('server')).match(/process_id:(\d+)/)?.[1] ?? 0);
  const samples: Sample[] = [];
  const sample = async (): Promise<Sample> => {
    const info = await admin.info('memory');
    const cpu = new Map<App | 'redis-server' | 'bench', number>();
    for (const [app, child] of children) cpu.set(app, cpuTicks(child.pid) / CLK_TCK);
    cpu.set('redis-server', cpuTicks(redisPid) / CLK_TCK);
    const own = process.cpuUsage();
    cpu.set('bench', (own.user + own.system) / 1e6);
    const entriesRead = new Map(trackList().map((t) => [`${t.stream}|${t.group}`, t.entriesRead]));
    const s = {
      at: Date.now(),
      usedMemory: Number(info.match(/used_memory:(\d+)/)?.[1] ?? 0),
      cpu,
      entriesRead,
    };
    samples.push(s);
    return s;
  };
  const phaseSamples = new Map<string, Sample>();
  const loadAt = new Map<string, string>();
  /** /proc/stat at the same moments, for the share of CPU time the VM's host took in each phase. */
  const jiffiesAt = new Map<string, number[][]>();
  const stolen = (from: string, to: string): string => {
    const before = jiffiesAt.get(from);
    const after = jiffiesAt.get(to) ?? jiffiesAt.get('end');
    return before && after ? `${stolenShare(before, after).toFixed(1)} %` : '-';
  };

  const header = () => {
    const groups = trackList().filter((t) => t.stream !== STREAMS.candles);
    log(
      `\n${'t(s)'.padStart(5)} ${'phase'.padEnd(9)} ${'in ev/s'.padStart(8)} ` +
        groups.map((t) => `${shortName(t)}`.padStart(22)).join(' ') +
        `  ${'redis mem'.padStart(10)}  cpu% ing/burst/det/flow/warm/redis`,
    );
  };
  const shortName = (t: GroupTrack) =>
    `${t.stream.replace('stream:{', '').replace('}', '').slice(0, 5)}>${t.group
      .replace('liquidation-detector', 'det')
      .replace(/^flow-aggregator.*/, 'flow')
      .replace('warm-writer', 'warm')} ev/s lag`;

  /**
   * The flow aggregator's own view of the sustained phase, from its /metrics: event-loop delay
   * (prom-client's monitorEventLoopDelay, reset at each scrape, so the scrape at s0 starts the
   * window), garbage collection by kind, and the last checkpoint's size and cost.
   */
  const scrapeFlow = async (): Promise<Map<string, number>> => {
    const values = new Map<string, number>();
    try {
      const text = await (await fetch(`http://127.0.0.1:${ports.get('flow-aggregator')}/metrics`)).text();
      for (const line of text.split('\n')) {
        if (line.startsWith('#')) continue;
        const space = line.lastIndexOf(' ');
        if (space > 0) values.set(line.slice(0, space), Number(line.slice(space + 1)));
      }
    } catch (error) {
      log(`flow-aggregator /metrics not read: ${String(error)}`);
    }
    return values;
  };
  await sleep(Math.max(0, s0 - Date.now()));
  const flowMetricsAtStart = await scrapeFlow();
  let flowMetricsAtEnd: Map<string, number> | undefined;
  phaseSamples.set('sustained', await sample());
  loadAt.set('sustained', loads());
  jiffiesAt.set('sustained', cpuJiffies());
  header();
  let last = samples[samples.length - 1]!;
  let burstStopped = false;
  const drainDeadline = () => b1 + Math.max(30_000, DRAIN_LIMIT * BURST_S * 1000);
  for (;;) {
    await sleep(1000 - (Date.now() % 1000));
    const now = Date.now();
    if (!phaseSamples.has('burst') && now >= b0) {
      flowMetricsAtEnd = await scrapeFlow();
      phaseSamples.set('burst', await sample());
      loadAt.set('burst', loads());
      jiffiesAt.set('burst', cpuJiffies());
    }
    if (!burstStopped && now >= b1) {
      burstStopped = true;
      phaseSamples.set('drain', await sample());
      loadAt.set('drain', loads());
      jiffiesAt.set('drain', cpuJiffies());
      // The burst source ends at b1 (INGESTION_GENERATOR_END_TS): it is stopped once it has handed
      // over every event of the burst, however far behind it fell, so the whole 10x is offered.
      void (async () => {
        const burst = children.get('ingestion-burst');
        if (burst && running(burst)) {
          const giveUp = b1 + DRAIN_LIMIT * BURST_S * 1000;
          while (Date.now() < giveUp && running(burst) && !(await burstFinished())) await sleep(100);
          burstFinishedAt = Date.now();
          burst.kill('SIGTERM');
          await new Promise((resolve) => burst.once('exit', resolve));
        }
        burstExitedAt = Date.now();
      })();
    }
    const s = await sample();
    const second = Math.floor(now / 1000) - 1;
    if (second % 5 === 0 || drainedAt) {
      const dt = (s.at - last.at) / 1000;
      const pct = (app: App | 'redis-server') =>
        (((s.cpu.get(app) ?? 0) - (last.cpu.get(app) ?? 0)) / dt) * 100;
      const groups = trackList().filter((t) => t.stream !== STREAMS.candles);
      log(
        `${String(Math.round((now - s0) / 1000)).padStart(5)} ${phaseOf(now - 1000).padEnd(9)} ${fmt(published.get(second) ?? 0).padStart(8)} ` +
          groups
            .map((t) => `${fmt(t.ackedPerSecond.get(second) ?? 0)} ${fmt(t.lag)}`.padStart(22))
            .join(' ') +
          `  ${mb(s.usedMemory).padStart(10)}  ` +
          (
            [
              'ingestion',
              'ingestion-burst',
              'liquidation-detector',
              'flow-aggregator',
              'warm-writer',
              'redis-server',
            ] as const
          )
            .map((app) => (Number.isNaN(pct(app)) ? '-' : fmt(pct(app))))
            .join('/'),
      );
      last = s;
    }
    for (const t of trackList()) t.lagSeries.push([now, t.lag]);
    if (BURST_S <= 0 && now >= b0) break;
    if (drainedAt) break;
    if (now > drainDeadline()) break;
  }
  const end = await sample();
  loadAt.set('end', loads());
  jiffiesAt.set('end', cpuJiffies());

  // --- stop: producers first, then wait (up to 60 s) until every group acknowledged everything
  // read, so the counts below compare the same events; then the bench's readers and the consumers.
  for (const app of ['ingestion', 'ingestion-burst'] as const) {
    const child = children.get(app);
    if (child && running(child)) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
  const settleDeadline = Date.now() + 60_000;
  let quiet = 0;
  while (Date.now() < settleDeadline && quiet < 5) {
    await sleep(200);
    quiet = trackList().every((t) => t.head >= t.queue.length && t.lag === 0) ? quiet + 1 : 0;
  }
  polling = false;
  await pollLoop;
  reading = false;
  await readLoop;
  const exits = [...children.values()]
    .filter(running)
    .map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children.values()) if (running(child)) child.kill('SIGTERM');
  await Promise.all(exits);

  // --- warm store figures
  const pg = new Client({ connectionString: database.url });
  await pg.connect();
  const warm = (
    await pg.query<{
      rows: string;
      p50: number | null;
      p99: number | null;
      max: number | null;
      liquidations: string;
      signals: string;
      candles: string;
    }>(
      `SELECT count(*) AS rows,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - written_at) * 1000) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - written_at) * 1000) AS p99,
              max(extract(epoch FROM stored_at - written_at) * 1000) AS max,
              (SELECT count(*) FROM liquidations) AS liquidations,
              (SELECT count(*) FROM liquidation_signals) AS signals,
              (SELECT count(*) FROM candles_1m) AS candles
         FROM flow_snapshots`,
    )
  ).rows[0]!;
  await pg.end();

  // --- report
  const q = (h: Histogram | undefined) =>
    !h || h.totalCount === 0
      ? 'no events'
      : `p50 ${fmt(h.getValueAtPercentile(50))} ms, p99 ${fmt(h.getValueAtPercentile(99))} ms, p99.9 ${fmt(h.getValueAtPercentile(99.9))} ms, max ${fmt(h.maxValue)} ms (${fmt(h.totalCount)} events)`;
  const rateIn = (from: number, to: number, perSecond: Map<number, number>) => {
    let total = 0;
    for (let second = Math.ceil(from / 1000); second < Math.floor(to / 1000); second++)
      total += perSecond.get(second) ?? 0;
    return total / Math.max(1, Math.floor(to / 1000) - Math.ceil(from / 1000));
  };
  const cpuLine = (from: Sample, to: Sample) =>
    [...from.cpu.keys()]
      .map(
        (app) =>
          `${app} ${fmt((((to.cpu.get(app) ?? 0) - (from.cpu.get(app) ?? 0)) / ((to.at - from.at) / 1000)) * 100)} %`,
      )
      .filter((line) => !line.includes('NaN'))
      .join(', ');
  const drainStart = phaseSamples.get('drain');
  const out: string[] = [];
  out.push(
    '',
    `=== end-to-end benchmark: ${fmt(RATE)} events/s target, ${SUSTAINED_S} s sustained, burst ${BURST_FACTOR}x for ${BURST_S} s ===`,
  );
  out.push(
    `machine: load average at sustained start ${loadAt.get('sustained')}, burst start ${loadAt.get('burst') ?? '-'}, drain start ${loadAt.get('drain') ?? '-'}, end ${loadAt.get('end')} (1/5/15 min; ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores); CPU time stolen by the VM's host: sustained ${stolen('sustained', 'burst')}, burst ${stolen('burst', 'drain')}, drain ${stolen('drain', 'end')} (a run with much stolen time measured the host's other tenants too)`,
  );
  out.push(
    `raw baseline: redis-benchmark -P 100 XADD = ${fmt(rawXadd)} XADD/s (one XADD of one field; the pipeline's entries carry up to 256 events)`,
  );
  out.push(
    `services: production bundles (node dist/apps/<app>/main.js), LOG_LEVEL=warn; detector VWAP offsets 0.05 %, flow publish interval ${FLOW_PUBLISH_MS} ms${FLOW_NODE_ARGS.length > 0 ? ` (flow-aggregator with ${FLOW_NODE_ARGS.join(' ')})` : ''}, ingestion flush ${FLUSH_MS} ms; latency resolution ${POLL_MS} ms (poll)`,
  );
  const sustainedEnd = phaseSamples.get('burst') ?? end;
  out.push('', `sustained (${SUSTAINED_S} s):`);
  out.push(`  published (trades + liquidations XADDed): ${fmt(rateIn(s0, b0, published))} events/s`);
  const entriesPerSecond = (t: GroupTrack, from: Sample, to: Sample) =>
    fmt(
      ((to.entriesRead.get(`${t.stream}|${t.group}`) ?? 0) -
        (from.entriesRead.get(`${t.stream}|${t.group}`) ?? 0)) /
        ((to.at - from.at) / 1000),
    );
  for (const t of trackList()) {
    out.push(
      `  ${t.stream} > ${t.group}: ${fmt(rateIn(s0, b0, t.ackedPerSecond))} events/s acknowledged (${entriesPerSecond(t, phaseSamples.get('sustained')!, sustainedEnd)} entries/s by XINFO entries-read); lag max ${fmt(t.maxLag.get('sustained') ?? 0)} entries`,
    );
  }
  out.push(`  CPU: ${cpuLine(phaseSamples.get('sustained')!, sustainedEnd)}`);
  if (flowMetricsAtEnd) {
    const m = flowMetricsAtEnd;
    const ms = (name: string) => fmt((m.get(name) ?? NaN) * 1000, 1);
    const gc = (kind: string) => {
      const key = (what: string) => `nodejs_gc_duration_seconds_${what}{kind="${kind}"}`;
      const count = (m.get(key('count')) ?? 0) - (flowMetricsAtStart.get(key('count')) ?? 0);
      const sum = (m.get(key('sum')) ?? 0) - (flowMetricsAtStart.get(key('sum')) ?? 0);
      return `${kind} ${fmt(count)} (${fmt(sum * 1000)} ms)`;
    };
    // flow_apply_delay_seconds over the sustained phase: the bucket holding each percentile.
    const applyDelay = (stream: string, percentile: number): string => {
      const buckets: Array<[number, number]> = [];
      const prefix = `flow_apply_delay_seconds_bucket{le="`;
      const suffix = `",stream="${stream}"}`;
      for (const [key, value] of m)
        if (key.startsWith(prefix) && key.endsWith(suffix)) {
          const le = key.slice(prefix.length, key.length - suffix.length);
          buckets.push([le === '+Inf' ? Infinity : Number(le), value - (flowMetricsAtStart.get(key) ?? 0)]);
        }
      buckets.sort((a, b) => a[0] - b[0]);
      const total = buckets[buckets.length - 1]?.[1] ?? 0;
      const hit = buckets.find(([, count]) => count >= total * percentile);
      if (total === 0 || !hit) return 'n/a';
      return hit[0] === Infinity
        ? `> ${fmt(buckets[buckets.length - 2]![0] * 1000)} ms`
        : `<= ${fmt(hit[0] * 1000, 1)} ms`;
    };
    out.push(
      `  flow-aggregator, XADD -> its events applied (flow_apply_delay_seconds, the delivery's oldest entry): trades p50 ${applyDelay(STREAMS.trades, 0.5)}, p99 ${applyDelay(STREAMS.trades, 0.99)}; liquidations p99 ${applyDelay(STREAMS.liquidations, 0.99)}`,
    );
    out.push(
      `  flow-aggregator itself: event-loop delay p50 ${ms('nodejs_eventloop_lag_p50_seconds')} ms, p99 ${ms('nodejs_eventloop_lag_p99_seconds')} ms, max ${ms('nodejs_eventloop_lag_max_seconds')} ms; GC ${['minor', 'incremental', 'major'].map(gc).join(', ')}; last checkpoint ${fmt((m.get('flow_checkpoint_bytes') ?? 0) / 1024)} KB, capture + encode ${fmt(m.get('flow_checkpoint_ms{step="encode"}') ?? NaN, 1)} ms, store ${fmt(m.get('flow_checkpoint_ms{step="store"}') ?? NaN, 1)} ms`,
    );
  }
  out.push(
    `  Redis used_memory: ${mb(phaseSamples.get('sustained')!.usedMemory)} at start, ${mb(sustainedEnd.usedMemory)} at end (whole server)`,
  );
  out.push('  latency from event time (generator ts):');
  out.push(
    `    -> XADD (ingestion, incl. its 5 ms pacing and flush spacing): ${q(publishDelay.get('sustained'))}`,
  );
  const byGroup = (stream: string, prefix: string) =>
    trackList().find((t) => t.stream === stream && t.group.startsWith(prefix));
  out.push(
    `    -> handled by flow-aggregator (trades acked): ${q(byGroup(STREAMS.trades, 'flow-aggregator')?.latency.get('sustained'))}`,
  );
  out.push(
    `    -> handled by liquidation-detector (trades acked): ${q(byGroup(STREAMS.trades, 'liquidation-detector')?.latency.get('sustained'))}`,
  );
  out.push(
    `    -> handled by liquidation-detector (liquidations acked): ${q(byGroup(STREAMS.liquidations, 'liquidation-detector')?.latency.get('sustained'))}`,
  );
  out.push(
    `    -> flow snapshot written holding it (1m window of its coin, by totalTrades): ${q(snapshotLatency.get('sustained'))}`,
  );
  out.push(`    -> signal XADDed: ${q(signalLatency.get('sustained'))}`);
  out.push(
    `    -> warm row (liquidations acked by warm-writer): ${q(byGroup(STREAMS.liquidations, 'warm-writer')?.latency.get('sustained'))}`,
  );
  out.push(
    `    signal -> warm row (signals acked by warm-writer): ${q(byGroup(STREAMS.signals, 'warm-writer')?.latency.get('sustained'))}`,
  );
  out.push(
    `    snapshot written -> warm row (notices acked by warm-writer): ${q(byGroup(STREAMS.snapshots, 'warm-writer')?.latency.get('sustained'))}`,
  );
  out.push("  latency from XADD (the pipeline without the source's pacing):");
  out.push(
    `    -> handled by flow-aggregator: ${q(byGroup(STREAMS.trades, 'flow-aggregator')?.fromXadd.get('sustained'))}`,
  );
  out.push(
    `    -> handled by liquidation-detector: ${q(byGroup(STREAMS.trades, 'liquidation-detector')?.fromXadd.get('sustained'))}`,
  );
  out.push(
    `    -> warm row (liquidations): ${q(byGroup(STREAMS.liquidations, 'warm-writer')?.fromXadd.get('sustained'))}`,
  );
  out.push(`    -> flow snapshot written holding it: ${q(snapshotFromXadd.get('sustained'))}`);
  let uncovered = 0;
  for (const w of windows.values()) uncovered += w.waitK.length - w.head;
  out.push(
    `  trades in no snapshot at the end (late, duplicate, or their window's next write still due): ${fmt(uncovered)}`,
  );
  if (BURST_S > 0) {
    out.push('', `burst (${BURST_FACTOR}x for ${BURST_S} s) and drain:`);
    out.push(
      `  published during the burst: ${fmt(rateIn(b0, b1, published))} events/s (asked ${fmt(RATE * BURST_FACTOR)})`,
    );
    out.push(
      `  events with an event time in the burst, published in all: ${fmt(burstTimeEvents)} = ${fmt(burstTimeEvents / BURST_S)}/s of burst, ${fmt(burstTimeEvents / (RATE * BURST_S), 2)}x the sustained rate`,
    );
    for (const t of trackList()) {
      out.push(
        `  ${t.stream} > ${t.group}: ${fmt(rateIn(b0, b1, t.ackedPerSecond))} events/s acknowledged in the burst, ${fmt(rateIn(b1, drainedAt || end.at, t.ackedPerSecond))}/s while draining; lag max ${fmt(Math.max(t.maxLag.get('burst') ?? 0, t.maxLag.get('drain') ?? 0))} entries`,
      );
    }
    out.push(
      `  the burst source handed over its last event ${fmt(Math.max(0, burstFinishedAt - b1) / 1000, 1)} s after the burst ended (it falls behind real time rather than drop events)`,
    );
    const drainSeconds = drainedAt ? (drainedAt - b1) / 1000 : Number.NaN;
    out.push(
      drainedAt
        ? `  drained ${fmt(drainSeconds, 1)} s after the burst ended (target <= ${2 * BURST_S} s: ${drainSeconds <= 2 * BURST_S ? 'met' : 'NOT met'})`
        : `  NOT drained ${fmt((end.at - b1) / 1000, 1)} s after the burst ended (gave up; target <= ${2 * BURST_S} s)`,
    );
    out.push(`  CPU in the burst: ${cpuLine(phaseSamples.get('burst')!, drainStart!)}`);
    out.push(`  CPU while draining: ${cpuLine(drainStart!, end)}`);
    out.push(`  Redis used_memory: peak ${mb(Math.max(...samples.map((s) => s.usedMemory)))} (whole server)`);
    out.push(`  burst events: -> XADD ${q(publishDelay.get('burst'))}`);
    out.push(
      `                -> handled by flow-aggregator ${q(byGroup(STREAMS.trades, 'flow-aggregator')?.latency.get('burst'))}`,
    );
    out.push(`                -> flow snapshot ${q(snapshotLatency.get('burst'))}`);
    out.push(`                XADD -> flow snapshot ${q(snapshotFromXadd.get('burst'))}`);
  }
  out.push(
    '',
    `counts: ${fmt(eventsPublished)} events published (${fmt(liquidationsPublished)} liquidations), ${fmt(signals)} signals; warm store ${warm.liquidations} liquidations (${Number(warm.liquidations) === liquidationsPublished ? 'every one published' : 'NOT the number published'}), ${warm.signals} signals, ${warm.candles} candles, ${warm.rows} flow snapshots (written -> stored p50 ${fmt(warm.p50 ?? 0)} ms, p99 ${fmt(warm.p99 ?? 0)} ms, max ${fmt(warm.max ?? 0)} ms)`,
  );
  const sustainedRate = rateIn(
    s0,
    b0,
    byGroup(STREAMS.trades, 'flow-aggregator')?.ackedPerSecond ?? new Map<number, number>(),
  );
  const snapshotP99 = snapshotLatency.get('sustained')!.totalCount
    ? snapshotLatency.get('sustained')!.getValueAtPercentile(99)
    : Number.NaN;
  out.push(
    `targets: 20k events/s sustained: ${fmt(rateIn(s0, b0, published))} published, ${fmt(sustainedRate)} trades/s through the aggregator; p99 event -> snapshot < 50 ms: ${fmt(snapshotP99)} ms (${snapshotP99 < 50 ? 'met' : 'NOT met'})`,
  );
  log(out.join('\n'));

  if (PROFILE) {
    log(`\nV8 tick profiles in ${profileDir}; summary per service (node --prof-process):`);
    for (const app of children.keys()) {
      const file = path.join(profileDir, `${app}.v8.log`);
      if (!existsSync(file)) continue;
      const report = execFileSync(process.execPath, ['--prof-process', file], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        cwd: WORKSPACE_ROOT,
      });
      const bottomUp = report.slice(report.indexOf('[Bottom up (heavy) profile]'));
      const summary = report.slice(report.indexOf('[Summary]'), report.indexOf('[C++ entry points]'));
      log(
        `--- ${app}\n${summary.trim()}\n${report.slice(report.indexOf('[JavaScript]'), report.indexOf('[C++]')).split('\n').slice(0, 16).join('\n')}\n${bottomUp.split('\n').slice(0, 40).join('\n')}`,
      );
    }
  }

  reader.disconnect();
  poller.disconnect();
  await admin.flushdb();
  admin.disconnect();
  await releaseRedisDbs(REDIS_SERVER, [db!], owner);
  await database.drop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  void abort(1);
});
