/**
 * Warm writer throughput: rows per second of closed 1m candles into PostgreSQL, beside a raw `COPY`
 * of the same rows with psql in the same run, and the ratio.
 *
 *   node -r @swc-node/register -r reflect-metadata tools/bench/warm-writer.bench.ts [rows]
 *
 * Runs, each into the same empty, migrated candles_1m (partitioned, with its key and time index):
 *   1. psql \copy of the rows from a TSV file (the baseline; psql start-up included)
 *   2. the writer's write path alone: CandleRepository batches of 16,384 rows, method copy and unnest
 *   3. end to end through the writer service: the rows are first published to the candle stream,
 *      then the real AppModule with RedisStreamsServer consumes them (decode, validate, write, ack)
 *      and the clock stops when the last row is in and every entry is acknowledged
 * Settings (env): BENCH_DATABASE_URL (admin URL, default the local server), BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379/13, flushed).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { CandleStream, type CandleMessage } from '@mdp/schemas';
import { createLogger } from '@mdp/platform';
import { RedisStreamsServer, StreamPublisher } from '@mdp/transport';
import {
  CandleRepository,
  MigrationRunner,
  PgClientSession,
  type BulkMethod,
} from '@mdp/data-access-warm-store';
import { AppModule } from '../../apps/warm-writer/src/app.module';
import { WarmWriterConfig } from '../../apps/warm-writer/src/warm-writer.config';

const env = process.env;
const ADMIN_URL = env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379/13';
const ROWS = Number(process.argv[2] ?? 500_000);
const BATCH = 16_384;
const T0 = Date.UTC(2026, 0, 1);
const out = (line: string) => process.stdout.write(`${line}\n`);
const logger = createLogger('warm-writer-bench', 'warn');

function candles(count: number): CandleMessage[] {
  const symbols = 500;
  return Array.from({ length: count }, (_, i) => {
    const price = 100 + (i % 997) * 0.5;
    return {
      symbol: `S${i % symbols}`,
      exchange: 'all',
      timeframe: '1m' as const,
      openTime: T0 + Math.floor(i / symbols) * 60_000,
      open: price,
      high: price + 1.25,
      low: price - 0.75,
      close: price + 0.25,
      volume: 3.5 + (i % 7),
      notionalUsd: price * 3.5,
      trades: 10 + (i % 50),
      closed: true,
    };
  });
}

async function main(): Promise<void> {
  const rows = candles(ROWS);
  const name = `mdp_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  const dir = mkdtempSync(path.join(tmpdir(), 'warm-bench-'));
  try {
    await new MigrationRunner(new PgClientSession(db), {
      directory: path.resolve('migrations'),
      logger,
    }).migrate();
    await db.query('SELECT count(*) FROM warm_store_maintain($1)', [new Date(T0)]);
    const count = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM candles_1m')).rows[0]!.n);
    const reset = async () => {
      await db.query('TRUNCATE candles_1m');
      await db.query('CHECKPOINT');
    };
    out(
      `warm writer benchmark: ${ROWS.toLocaleString('en')} closed 1m candles (500 symbols), PostgreSQL ${(await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version}, ${name}`,
    );

    // 1. Raw COPY with psql.
    const tsv = path.join(dir, 'candles.tsv');
    writeFileSync(
      tsv,
      rows
        .map((c) =>
          [
            new Date(c.openTime).toISOString(),
            c.symbol,
            c.exchange,
            c.open,
            c.high,
            c.low,
            c.close,
            c.volume,
            c.notionalUsd,
            c.trades,
          ].join('\t'),
        )
        .join('\n') + '\n',
    );
    await reset();
    let started = process.hrtime.bigint();
    execFileSync('psql', [
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      url.toString(),
      '-c',
      `\\copy candles_1m (time, symbol, exchange, open, high, low, close, volume, notional_usd, trades) FROM '${tsv}'`,
    ]);
    const copySeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if ((await count()) !== ROWS) throw new Error('psql COPY did not load every row');
    const copyRate = ROWS / copySeconds;
    out(`psql \\copy (baseline)                 ${fmt(copyRate)} rows/s  (${copySeconds.toFixed(2)} s)`);

    // 2. The writer's write path alone.
    const pool = new Pool({ connectionString: url.toString(), max: 2 });
    const results: Array<[string, number]> = [];
    const paths: Array<[BulkMethod, number]> = [
      ['copy', 1],
      ['copy', 2],
      ['staged-copy', 1],
      ['unnest', 1],
    ];
    for (const [method, parallelism] of paths) {
      await reset();
      const repository = new CandleRepository(pool, { method, parallelism });
      started = process.hrtime.bigint();
      for (let i = 0; i < rows.length; i += BATCH) await repository.insert(rows.slice(i, i + BATCH));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if ((await count()) !== ROWS) throw new Error(`${method} did not write every row`);
      // Idempotency costs nothing extra to check here: the same rows again insert nothing.
      const again = await repository.insert(rows.slice(0, BATCH));
      if (again !== 0) throw new Error(`${method} inserted ${again} duplicates`);
      results.push([`repository, ${method} x${parallelism}`, ROWS / seconds]);
      out(
        `writer write path (${method.padEnd(11)} x${parallelism}, ${BATCH}/batch) ${fmt(ROWS / seconds)} rows/s  (${seconds.toFixed(2)} s)  ratio ${(ROWS / seconds / copyRate).toFixed(2)}`,
      );
    }
    await pool.end();

    // 3. End to end through the writer service.
    const redis = new Redis(REDIS_URL);
    await redis.flushdb();
    const publisher = new StreamPublisher(redis, {
      maxEventsPerEntry: 256,
      validate: false,
      maxBufferedEvents: ROWS + 1,
    });
    const services: Array<[BulkMethod, number]> = [
      ['copy', 1],
      ['copy', 2],
      ['staged-copy', 2],
    ];
    for (const [method, consumers] of services) {
      await reset();
      await redis.del(CandleStream.stream);
      for (let i = 0; i < rows.length; i += 50_000)
        await publisher.publish(CandleStream, rows.slice(i, i + 50_000));
      await publisher.flush();
      const config = Object.assign(new WarmWriterConfig(), {
        DATABASE_URL: url.toString(),
        REDIS_URL,
        WARM_BULK_METHOD: method,
        WARM_CONSUMERS: consumers,
        WARM_MAINTENANCE_INTERVAL_MS: 0,
      });
      const writerPool = new Pool({ connectionString: url.toString(), max: config.DATABASE_POOL_SIZE });
      const writerRedis = new Redis(REDIS_URL);
      const app = await NestFactory.create(
        AppModule.register({ config, pool: writerPool, redis: writerRedis, logger }),
        { logger: false },
      );
      for (let consumer = 0; consumer < config.WARM_CONSUMERS; consumer++) {
        const server = new RedisStreamsServer({
          redis: writerRedis,
          group: `warm-writer-${method}-${consumers}`,
          readCount: 64,
          blockMs: 100,
          maxLen: 0,
          logger,
        });
        app.connectMicroservice({ strategy: server });
      }
      await app.init();
      started = process.hrtime.bigint();
      await app.startAllMicroservices();
      for (;;) {
        const groups = (await redis.xinfo('GROUPS', CandleStream.stream)) as unknown[][];
        const info = Object.fromEntries(
          (groups.find((g) => g[1] === `warm-writer-${method}-${consumers}`) ?? []).reduce<
            Array<[unknown, unknown]>
          >((pairs, value, i, all) => (i % 2 === 0 ? [...pairs, [value, all[i + 1]]] : pairs), []),
        ) as { lag?: number; pending?: number };
        if (info.lag === 0 && info.pending === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      await app.close();
      if ((await count()) !== ROWS)
        throw new Error(`the writer (${method}, ${consumers}) wrote ${await count()} of ${ROWS} rows`);
      results.push([`service, ${method}, ${consumers} consumer(s)`, ROWS / seconds]);
      out(
        `writer service end to end (${method.padEnd(11)} x${config.WARM_WRITE_PARALLELISM}, ${config.WARM_CONSUMERS} consumers) ${fmt(ROWS / seconds)} rows/s  (${seconds.toFixed(2)} s)  ratio ${(ROWS / seconds / copyRate).toFixed(2)}`,
      );
    }
    await publisher.close();
    await redis.flushdb();
    redis.disconnect();
    const best = results.filter(([label]) => label.startsWith('service')).sort((a, b) => b[1] - a[1])[0]!;
    out(
      `result: writer service ${fmt(best[1])} rows/s (${best[0]}), psql COPY ${fmt(copyRate)} rows/s, ratio ${(best[1] / copyRate).toFixed(2)} (targets: >= 100,000 rows/s, ratio >= 0.5)`,
    );
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en').padStart(9);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
