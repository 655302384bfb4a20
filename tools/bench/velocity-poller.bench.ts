/**
 * Velocity poller: one poll cycle of 5000 listings end to end (fetch from the stand-in over HTTP,
 * validate, compute velocities / windows / trend / outliers / quality, store in PostgreSQL, update the
 * Redis caches, publish the token updates), timed per stage, with rows per second.
 *
 *   node -r @swc-node/register -r reflect-metadata tools/bench/velocity-poller.bench.ts [listings] [polls]
 *
 * Uses a scratch database (created, migrated, dropped) on BENCH_DATABASE_URL (admin URL, default the
 * local server) and BENCH_REDIS_URL (default redis://127.0.0.1:6379/11, flushed). The stand-in runs
 * in-process; its own time (generating and serializing the listings) is inside `fetch`. Three warm-up
 * polls first (they also give every token a short history, so trend and outlier tests run), then
 * the measured polls.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { Client, type Pool } from 'pg';
import { createLogger, createRedisConnection, loadConfig } from '@mdp/platform';
import { MigrationRunner, PgClientSession } from '@mdp/data-access-warm-store';
import { VelocityPollerService } from '../../apps/velocity-poller/src/poller/velocity-poller.service';
import { VelocityPollerConfig } from '../../apps/velocity-poller/src/velocity-poller.config';
import { createVelocityPollerPool } from '../../apps/velocity-poller/src/velocity-poller.pool';
import type { PollReport } from '../../apps/velocity-poller/src/poller/poll-cycle.service';
import { CmcStandInServer } from '../cmc-stand-in/cmc-stand-in.server';

const env = process.env;
const ADMIN_URL = env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379/11';
const LISTINGS = Number(process.argv[2] ?? 5000);
const POLLS = Number(process.argv[3] ?? 5);
const WARMUP = 3;
const ROOT = path.resolve(__dirname, '../..');
const out = (line: string) => process.stdout.write(`${line}\n`);

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const name = `mdp_velocity_bench_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const standIn = new CmcStandInServer({ apiKey: 'bench-key', tokens: LISTINGS });
  const port = await standIn.listen(0);
  const flusher = new Redis(REDIS_URL);
  await flusher.flushdb();
  let pool: Pool | null = null;
  let redis: ReturnType<typeof createRedisConnection> | null = null;
  try {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    const migrated = await new MigrationRunner(new PgClientSession(client), {
      directory: path.join(ROOT, 'migrations'),
    }).migrate();
    await client.end();
    const config = loadConfig(VelocityPollerConfig, {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      CMC_BASE_URL: `http://127.0.0.1:${port}`,
      CMC_API_KEY: 'bench-key',
      CMC_LISTINGS_LIMIT: String(LISTINGS),
      LOG_LEVEL: 'error',
    });
    pool = createVelocityPollerPool(config, createLogger('velocity-poller-bench', 'error'));
    redis = createRedisConnection(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    await new Promise((resolve) => redis!.once('ready', resolve));
    const poller = new VelocityPollerService({
      config,
      pool,
      redis,
      logger: createLogger('velocity-poller-bench', 'error'),
    });
    const server = await pool.query<{ server_version: string }>('SHOW server_version');
    out(
      `velocity poller benchmark: ${LISTINGS} listings per poll, PostgreSQL ${server.rows[0]!.server_version} (${migrated.mode} mode), Node ${process.version}`,
    );
    const reports: Array<{ report: PollReport; totalMs: number }> = [];
    for (let i = 0; i < WARMUP + POLLS; i++) {
      // Polls a minute apart in market time would move prices more; the stand-in advances by wall time.
      const started = performance.now();
      const report = await poller.poll.poll();
      const totalMs = performance.now() - started;
      if (report.outcome !== 'ok') throw new Error(`poll ${i} ${report.outcome}: ${report.error}`);
      const t = report.timings;
      out(
        `${i < WARMUP ? 'warm-up' : 'measured'} poll ${i + 1}: ${totalMs.toFixed(0)} ms  ` +
          `(fetch ${t.fetch} | validate+compute ${t.compute} | store ${t.store} | cache ${t.cache} | publish ${t.publish})  ` +
          `${report.metricsInserted} rows, ${report.cacheKeysWritten} cache keys, ${report.published} updates, ` +
          `${report.outliers} outliers, ${Math.round((report.metricsInserted / totalMs) * 1000).toLocaleString('en-US')} rows/s`,
      );
      if (i >= WARMUP) reports.push({ report, totalMs });
    }
    const totals = reports.map((r) => r.totalMs).sort((a, b) => a - b);
    const median = totals[Math.floor(totals.length / 2)]!;
    const stage = (key: keyof PollReport['timings']) =>
      reports.map((r) => r.report.timings[key]).sort((a, b) => a - b)[Math.floor(reports.length / 2)]!;
    out(
      `result: median poll cycle ${median.toFixed(0)} ms for ${LISTINGS} listings = ${Math.round((LISTINGS / median) * 1000).toLocaleString('en-US')} rows/s ` +
        `(min ${totals[0]!.toFixed(0)} ms, max ${totals[totals.length - 1]!.toFixed(0)} ms); median stages: fetch ${stage('fetch')} ms, ` +
        `validate+compute ${stage('compute')} ms, store ${stage('store')} ms, cache ${stage('cache')} ms, publish ${stage('publish')} ms; target < 1000 ms: ${median < 1000 ? 'met' : 'NOT met'}`,
    );
    await poller.publisher.close();
  } finally {
    await pool?.end();
    redis?.disconnect();
    await flusher.flushdb();
    flusher.disconnect();
    await standIn.close();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
