/**
 * Gateway: requests per second and latency of `GET /api/liquidity-flow/retrieve` (a realistic 5m BTC
 * flow snapshot) and `GET /api/tokens` (100 tokens from the tokens:list cache) under concurrent load,
 * beside a bare node:http server answering the same bytes in the same run, and the ratio (and, as a
 * middle line, Fastify without Nest doing the same key check and rate-limit script and answering
 * bytes held in memory, as the gateway's answer cache does: tools/bench/gateway-floor.child.ts); then a
 * fixed rate of 2000 and 5000 requests/s for BENCH_FIXED_SECONDS (30) each, evenly paced
 * (tools/bench/gateway-paced-load.ts, latency from each request's release; the client's own lateness
 * and the p99 from when each request was due beside it), against the gateway and, for reference, the
 * bare server, with p99 and the gateway's garbage collections during the run (from its /metrics).
 * The fixed-rate client is a fresh process per run (gateway-paced-load.child.ts), never this one, whose
 * heap after the saturation runs stalled it for up to 27 ms a collection; each run's line says the
 * client's own GCs and how busy (and stolen from) each CPU was. The client is pinned to CPU 0 and the servers to the others (BENCH_PIN=0: not pinned). The gateway
 * runs with production's Node flags (NODE_OPTIONS of docker/k8s/base/config/gateway.env), then
 * GATEWAY_NODE_ARGS.
 *
 *   npm run bench:gateway
 *   BENCH_SATURATION=0 BENCH_FIXED_RATES=5000 npm run bench:gateway   (the 5 000 req/s runs only)
 *   GATEWAY_NODE_ARGS=--trace-gc BENCH_GATEWAY_LOG=/tmp/gateway-gc.log npm run bench:gateway   (the gateway's stdout to a file)
 *   node -r @swc-node/register -r reflect-metadata tools/bench/gateway.bench.ts [seconds] [connections]
 *   GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/gateway-prof" npm run bench:gateway   (profile the gateway)
 *   ANSWER_CACHE_TTL_MS=0 BENCH_FLOOR_SKIP= npm run bench:gateway   (no answers kept: a Redis read per request)
 *
 * The gateway is the real one (apps/gateway/src/main.ts) in a child process, over Redis
 * (BENCH_REDIS_URL, flushed; by default a database of the local server leased as the tests lease theirs) and a scratch database created,
 * migrated and dropped on BENCH_DATABASE_URL (admin URL, default the local server). Every request
 * carries an API key (enterprise tier, limits raised so the bench is never refused), so each one pays
 * the key lookup, the rate-limit script in Redis and the usage count. autocannon runs in this process;
 * the bare server and the paced client are child processes too. Target (issue 8): ratio >= 0.5, p99 < 10 ms at 5k req/s.
 */
import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { FlowWindowAccumulator } from '@mdp/domain-flow';
import { TokenMetricsCalculator, type ValidatedListing } from '@mdp/domain-velocity';
import { LiquidityFlowRepository, flowSnapshotKey } from '@mdp/data-access-flow';
import { TokenStoreRepository } from '@mdp/data-access-tokens';
import { MigrationRunner, PgClientSession, createWarmStoreDataSource } from '@mdp/data-access-warm-store';
import { freePort, leaseRedisDbs, releaseRedisDbs, spawnTs } from '@mdp/testing';
import { ApiKeyStore } from '../../apps/gateway/src/auth/api-key.store';
import type { PacedLoadOptions, PacedRun } from './gateway-paced-load';

const env = process.env;
const ADMIN_URL = env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** BENCH_REDIS_URL (flushed), else a database of the local server leased like the tests' (never one a test run holds). */
const LOCAL_REDIS = 'redis://127.0.0.1:6379';
let REDIS_URL = env['BENCH_REDIS_URL'] ?? '';
const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 50);
/** Fixed request rates of the latency runs (BENCH_FIXED_RATES, comma-separated); the target is at 5000. */
const FIXED_RATES = (env['BENCH_FIXED_RATES'] ?? '2000,5000')
  .split(',')
  .map(Number)
  .filter((rate) => rate > 0);
/** Length of each fixed-rate run (BENCH_FIXED_SECONDS): long enough for a p99 to hold several major GCs' worth of time. */
const FIXED_SECONDS = Number(env['BENCH_FIXED_SECONDS'] ?? 30);
/** BENCH_SATURATION=0 skips the autocannon saturation runs (and so the ratio): fixed-rate runs only. */
const SATURATION = env['BENCH_SATURATION'] !== '0';
/**
 * BENCH_PIN=1 (default on a machine with 2+ CPUs and taskset): this process (the load client) on CPU 0, the
 * servers on the other CPUs, so the client's timer and the server under test do not take turns on one core.
 */
const PIN = (env['BENCH_PIN'] ?? (os.cpus().length >= 2 ? '1' : '0')) === '1' && hasTaskset();
const TOKENS = 500;
const ROOT = path.resolve(__dirname, '../..');
const out = (line: string) => process.stdout.write(`${line}\n`);
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Binds every thread of a process to `cpus` (taskset list syntax, e.g. `0` or `1-3`). */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/** Where production sets the gateway's Node flags (NODE_OPTIONS), read so that the bench runs the gateway as deployed. */
const GATEWAY_ENV_FILE = 'docker/k8s/base/config/gateway.env';
const PRODUCTION_NODE_OPTIONS =
  /^NODE_OPTIONS=(.*)$/m.exec(readFileSync(path.join(ROOT, GATEWAY_ENV_FILE), 'utf8'))?.[1]?.trim() ?? '';

/** The servers' CPUs when pinned: all but CPU 0, which the client keeps. */
const SERVER_CPUS = `1-${Math.max(1, os.cpus().length - 1)}`;

/** Count and total time (ms) of the gateway's garbage collections by kind, from its /metrics (prom-client's default metrics). */
async function gcTotals(gatewayUrl: string): Promise<Map<string, [number, number]>> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const totals = new Map<string, [number, number]>();
  for (const match of text.matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{kind="(\w+)"\} (\S+)$/gm)) {
    const entry = totals.get(match[2]!) ?? [0, 0];
    if (match[1] === 'count') entry[0] = Number(match[3]);
    else entry[1] = Number(match[3]) * 1000;
    totals.set(match[2]!, entry);
  }
  return totals;
}

/** The GCs between two gcTotals readings, e.g. `major 1 (4.2 ms), minor 150 (180.3 ms)`. */
function gcDelta(before: Map<string, [number, number]>, after: Map<string, [number, number]>): string {
  return ['major', 'minor', 'incremental']
    .map((kind) => {
      const [count0, sum0] = before.get(kind) ?? [0, 0];
      const [count1, sum1] = after.get(kind) ?? [0, 0];
      return `${kind} ${count1 - count0} (${(sum1 - sum0).toFixed(1)} ms)`;
    })
    .join(', ');
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A 5m BTC window of 3000 trades (heavy-tailed sizes, a few whales) around 65 000: about the seed's 10 KB. */
function flowSnapshot(timestamp: number) {
  const window = new FlowWindowAccumulator(timestamp, 300_000, 5_000, 10, 100_000);
  let price = 65_000;
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 3_000; i++) {
    price += (random() - 0.5) * 8;
    const size = 0.001 / Math.max(0.02, random()) ** 1.5;
    window.addTrade(price, size, price * size, random() < 0.52 ? 'buy' : 'sell', timestamp + i * 100);
  }
  return {
    key: flowSnapshotKey('BTC', '5m', timestamp),
    coin: 'BTC',
    timeWindow: '5m' as const,
    timestamp,
    data: window.toFlowData(),
    expiresAt: 0,
  };
}

function listing(cmcId: number, ts: number): ValidatedListing {
  const marketCap = 1e12 / cmcId;
  return {
    cmcId,
    name: `Token ${cmcId}`,
    symbol: `TK${cmcId}`,
    slug: `token-${cmcId}`,
    cmcRank: cmcId,
    dateAdded: Date.UTC(2020, 0, 1),
    priceUsd: 1_000 / cmcId,
    marketCapUsd: marketCap,
    volume24hUsd: marketCap * (0.01 + (cmcId % 17) / 100),
    circulatingSupply: marketCap / (1_000 / cmcId),
    totalSupply: marketCap / (1_000 / cmcId),
    maxSupply: null,
    percentChange1h: (cmcId % 7) - 3,
    percentChange24h: (cmcId % 11) - 5,
    percentChange7d: (cmcId % 13) - 6,
    lastUpdated: ts,
    issues: [],
  };
}

function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 60_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what}: no line matching ${pattern} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const match = pattern.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}`)));
  });
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('gateway not ready');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Run {
  rps: number;
  /** Paced runs: how late the client released requests (p99, max ms), its own stalls. */
  late?: [number, number];
  /** Paced runs: p99 from when each request was due (the client's lateness included), ms. */
  p99FromDue?: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time (user + system) the server process spent per request, µs: independent of other load on the machine. */
  cpuUs: number;
  /** Paced runs: what else the machine did (client GC, per-CPU busy and stolen time), one line. */
  machine?: string;
}

const CLOCK_TICK_US = 10_000; // USER_HZ = 100 on Linux

/** utime + stime of a process, µs (from /proc; 0 where there is no /proc). */
function cpuTimeUs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_US;
  } catch {
    return 0;
  }
}

async function load(
  url: string,
  apiKey: string,
  pid: number,
  options: { seconds?: number } = {},
): Promise<Run> {
  const cpuBefore = cpuTimeUs(pid);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: options.seconds ?? SECONDS,
    headers: { 'x-api-key': apiKey },
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUs: (cpuTimeUs(pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

/**
 * A fixed rate, evenly paced (gateway-paced-load.ts: not autocannon's bursty overallRate), from a
 * client process of its own (gateway-paced-load.child.ts) on the client's CPU.
 */
async function paced(url: string, apiKey: string, pid: number, rate: number): Promise<Run> {
  const options: PacedLoadOptions = {
    url,
    headers: { 'x-api-key': apiKey },
    rate,
    seconds: FIXED_SECONDS,
    connections: CONNECTIONS,
  };
  const client = spawnTs('tools/bench/gateway-paced-load.child.ts', {
    env: { PACED_OPTIONS: JSON.stringify(options) },
  });
  if (PIN) pin(client.pid!, '0');
  const resultLine = waitForLine(client, /^result (.*)\n/m, 'paced client', (FIXED_SECONDS + 120) * 1000);
  // Warm-up first (PACED_WARMUP_SECONDS); the server's CPU counts from the measured run.
  await waitForLine(client, /^measuring\n/m, 'paced client', 90_000);
  const cpuBefore = cpuTimeUs(pid);
  const result = JSON.parse((await resultLine)[1]!) as PacedRun;
  return {
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUs: (cpuTimeUs(pid) - cpuBefore) / Math.max(1, result.total),
    late: [result.lateP99, result.lateMax],
    p99FromDue: result.p99FromDue,
    machine: `client GCs ${result.clientGc.count} (${result.clientGc.totalMs.toFixed(0)} ms, longest ${result.clientGc.maxMs.toFixed(1)} ms); ${result.cpus
      .map((cpu, i) => `CPU ${i} busy ${cpu.busy.toFixed(0)} % (stolen ${cpu.steal.toFixed(1)} %)`)
      .join(', ')}`,
  };
}

function row(name: string, run: Run): string {
  return `${name.padEnd(34)} ${run.rps.toFixed(0).padStart(8)} req/s  p50 ${run.p50.toFixed(2).padStart(6)} ms  p99 ${run.p99
    .toFixed(2)
    .padStart(
      6,
    )} ms  server CPU ${run.cpuUs.toFixed(0).padStart(4)} µs/req${run.late ? `  (client late p99 ${run.late[0].toFixed(1)} ms, max ${run.late[1].toFixed(1)} ms; p99 from due ${run.p99FromDue!.toFixed(2)} ms)` : ''}${run.non2xx + run.errors > 0 ? `  (${run.non2xx} non-2xx, ${run.errors} errors)` : ''}${run.machine ? `\n${''.padEnd(34)} ${run.machine}` : ''}`;
}

async function main(): Promise<void> {
  const leaseOwner = `gateway-bench-${process.pid}`;
  const leased = REDIS_URL === '' ? await leaseRedisDbs(LOCAL_REDIS, 1, leaseOwner) : [];
  if (leased.length > 0) REDIS_URL = `${LOCAL_REDIS}/${leased[0]}`;
  try {
    await bench();
  } finally {
    if (leased.length > 0) await releaseRedisDbs(LOCAL_REDIS, leased, leaseOwner);
  }
}

async function bench(): Promise<void> {
  if (PIN) pin(process.pid, '0');
  const name = `mdp_gateway_bench_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}" TEMPLATE template0`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const databaseUrl = dbUrl.toString();
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-'));
  const children: ChildProcess[] = [];
  try {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await new MigrationRunner(new PgClientSession(client), {
      directory: path.join(ROOT, 'migrations'),
    }).migrate();
    await client.end();

    // Seed: a token list in the warm store (two polls, so trends exist), a flow snapshot in Redis, a key.
    const pool = new Pool({ connectionString: databaseUrl, max: 2 });
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 300_000 });
    const store = new TokenStoreRepository(pool);
    const now = Date.now();
    for (const ts of [now - 60_000, now]) {
      const poll = Array.from({ length: TOKENS }, (_, i) => calculator.calculate(listing(i + 1, ts), ts));
      calculator.commit(poll);
      await store.writePoll(poll);
    }
    await pool.end();
    const snapshot = flowSnapshot(Math.floor(now / 300_000) * 300_000);
    await new LiquidityFlowRepository(redis).store(snapshot, now);
    const dataSource = createWarmStoreDataSource(databaseUrl, { poolSize: 1 });
    await dataSource.initialize();
    const apiKey = (
      await new ApiKeyStore(dataSource).create({
        name: 'bench',
        tier: 'enterprise',
        perMinute: 2_000_000_000,
        perMonth: 2_000_000_000,
      })
    ).key;
    await dataSource.destroy();

    const port = await freePort();
    // Production's Node flags first, then GATEWAY_NODE_ARGS (extra flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
    const gateway = spawn(
      process.execPath,
      [
        ...PRODUCTION_NODE_OPTIONS.split(' ').filter(Boolean),
        ...(env['GATEWAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
        '-r',
        '@swc-node/register',
        '-r',
        'reflect-metadata',
        'apps/gateway/src/main.ts',
      ],
      {
        cwd: ROOT,
        // BENCH_GATEWAY_LOG: a file for the gateway's stdout (e.g. with GATEWAY_NODE_ARGS=--trace-gc).
        stdio: [
          'ignore',
          env['BENCH_GATEWAY_LOG'] ? openSync(env['BENCH_GATEWAY_LOG'], 'w') : 'ignore',
          'inherit',
        ],
        env: {
          ...process.env,
          SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
          REDIS_URL,
          DATABASE_URL: databaseUrl,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          LOG_LEVEL: 'error',
        },
      },
    );
    children.push(gateway);
    if (PIN) pin(gateway.pid!, SERVER_CPUS);
    const gatewayUrl = `http://127.0.0.1:${port}`;
    await waitReady(gatewayUrl);

    const retrievePath = `/api/liquidity-flow/retrieve?key=${encodeURIComponent(snapshot.key)}`;
    const listPath = '/api/tokens?sort=market_cap&limit=100&offset=0';
    const bodies: Record<string, string> = {};
    for (const [route, urlPath] of [
      ['/api/liquidity-flow/retrieve', retrievePath],
      ['/api/tokens', listPath],
    ] as const) {
      const response = await fetch(`${gatewayUrl}${urlPath}`, { headers: { 'x-api-key': apiKey } });
      if (response.status !== 200)
        throw new Error(`${urlPath} answered ${response.status}: ${await response.text()}`);
      const file = path.join(tmp, `${route.replace(/\W/g, '_')}.json`);
      writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      bodies[route] = file;
    }
    const bare = spawnTs('tools/bench/bare-http.child.ts', { env: { BARE_ROUTES: JSON.stringify(bodies) } });
    children.push(bare);
    if (PIN) pin(bare.pid!, SERVER_CPUS);
    const barePort = Number((await waitForLine(bare, /listening (\d+)/, 'bare server'))[1]);
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const floor = spawnTs('tools/bench/gateway-floor.child.ts', {
      env: {
        FLOOR_REDIS_URL: REDIS_URL,
        FLOOR_API_KEY_HASH: createHash('sha256').update(apiKey).digest('hex'),
        // The gateway answers from the answers it keeps in memory, so the floor holds its bytes too
        // (BENCH_FLOOR_SKIP='' reads Redis on every request, as the gateway did before).
        FLOOR_SKIP: env['BENCH_FLOOR_SKIP'] ?? 'read',
      },
    });
    children.push(floor);
    if (PIN) pin(floor.pid!, SERVER_CPUS);
    const floorPort = Number((await waitForLine(floor, /listening (\d+)/, 'floor server'))[1]);
    const floorUrl = `http://127.0.0.1:${floorPort}`;

    out(
      `gateway bench: ${CONNECTIONS} connections, ${SECONDS} s per saturation run${SATURATION ? '' : ' (skipped)'}, ${FIXED_SECONDS} s per fixed-rate run; ${
        PIN ? `client pinned to CPU 0, servers to CPU ${SERVER_CPUS}` : 'not pinned'
      }; gateway node flags: production's ${PRODUCTION_NODE_OPTIONS || '(none)'} (${GATEWAY_ENV_FILE}), GATEWAY_NODE_ARGS ${env['GATEWAY_NODE_ARGS'] || '(none)'}, NODE_OPTIONS: ${env['NODE_OPTIONS'] || '(none)'}; retrieve body ${Buffer.byteLength(
        (await redis.get(snapshot.key))!,
      )} bytes (${snapshot.data.nodes.length} nodes, ${snapshot.data.timeSeries.length} time points), token list ${await redis.strlen(
        'tokens:list:market_cap:100:0',
      )} bytes (100 of ${TOKENS} tokens); Node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAverage()}`,
    );
    // Warm-up (JIT, connection pools, key cache).
    await load(`${gatewayUrl}${retrievePath}`, apiKey, gateway.pid!, { seconds: 3 });
    await load(`${gatewayUrl}${listPath}`, apiKey, gateway.pid!, { seconds: 3 });
    await load(`${bareUrl}${retrievePath}`, apiKey, bare.pid!, { seconds: 2 });
    await load(`${floorUrl}${retrievePath}`, apiKey, floor.pid!, { seconds: 2 });

    const results = new Map<string, [Run, Run]>();
    if (SATURATION)
      for (const [label, urlPath] of [
        ['retrieve', retrievePath],
        ['token list', listPath],
      ] as const) {
        const viaGateway = await load(`${gatewayUrl}${urlPath}`, apiKey, gateway.pid!);
        const viaBare = await load(`${bareUrl}${urlPath}`, apiKey, bare.pid!);
        const viaFloor = await load(`${floorUrl}${urlPath}`, apiKey, floor.pid!);
        results.set(label, [viaGateway, viaBare]);
        out(row(`${label}: gateway`, viaGateway));
        out(row(`${label}: Fastify, same work, no Nest`, viaFloor));
        out(row(`${label}: bare node:http`, viaBare));
        out(
          `${label}: ratio gateway / bare = ${(viaGateway.rps / viaBare.rps).toFixed(2)} (Fastify without Nest / bare = ${(viaFloor.rps / viaBare.rps).toFixed(2)})`,
        );
      }
    const fixed: Array<[string, number, Run]> = [];
    for (const rate of FIXED_RATES) {
      out(
        `fixed rate ${rate} req/s, evenly paced (latency from each request's release), ${FIXED_SECONDS} s, load average ${loadAverage()}:`,
      );
      for (const [label, urlPath] of [
        ['retrieve', retrievePath],
        ['token list', listPath],
      ] as const) {
        const gcBefore = await gcTotals(gatewayUrl);
        const run = await paced(`${gatewayUrl}${urlPath}`, apiKey, gateway.pid!, rate);
        const gcs = gcDelta(gcBefore, await gcTotals(gatewayUrl));
        fixed.push([label, rate, run]);
        out(row(`${label}: gateway @ ${rate}/s`, run));
        out(`${''.padEnd(34)} gateway GCs during the run: ${gcs}`);
        out(
          row(
            `${label}: bare node:http @ ${rate}/s`,
            await paced(`${bareUrl}${urlPath}`, apiKey, bare.pid!, rate),
          ),
        );
      }
    }
    for (const label of ['retrieve', 'token list']) {
      const saturation = results.get(label);
      const ratio = saturation ? saturation[0].rps / saturation[1].rps : undefined;
      const at5k = fixed.find(([name, rate]) => name === label && rate === 5_000)?.[2];
      const verdicts = [
        ratio === undefined
          ? ''
          : `ratio ${ratio.toFixed(2)} (target >= 0.5: ${ratio >= 0.5 ? 'met' : 'missed'})`,
        at5k
          ? `p99 at 5k req/s ${at5k.p99.toFixed(2)} ms (target < 10 ms: ${at5k.p99 < 10 && at5k.rps >= 4_900 ? 'met' : 'missed'}; client late p99 ${at5k.late![0].toFixed(1)} ms, p99 from due ${at5k.p99FromDue!.toFixed(2)} ms)`
          : '',
      ].filter(Boolean);
      if (verdicts.length > 0) out(`${label}: ${verdicts.join(', ')}`);
    }
    // Answers kept in the gateway's process (ANSWER_CACHE_TTL_MS=0 runs without them).
    const metricsText = await (await fetch(`${gatewayUrl}/metrics`)).text();
    out(
      `gateway answer cache (ANSWER_CACHE_TTL_MS=${env['ANSWER_CACHE_TTL_MS'] ?? 'default'}): ${metricsText
        .split('\n')
        .filter((line) => line.startsWith('gateway_answer_cache_requests_total{'))
        .map((line) => line.replace('gateway_answer_cache_requests_total', ''))
        .join(', ')}; load average at the end ${loadAverage()}`,
    );
    // Every request counted against the key: rate limits and usage really ran.
    const counters = await redis.keys('rate_limit:*:M:*');
    out(
      `requests counted by the rate limiter this month: ${(await Promise.all(counters.map((k) => redis.get(k)))).join(', ')}`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((child) =>
        child.exitCode === null
          ? new Promise<void>((resolve) => child.once('exit', () => resolve()))
          : Promise.resolve(),
      ),
    );
    rmSync(tmp, { recursive: true, force: true });
    await redis.flushdb();
    redis.disconnect();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
