/**
 * Warm writer throughput: rows per second of closed 1m candles into PostgreSQL, beside a raw `COPY`
 * of the same rows with psql in the same run, and the ratio.
 *
 *   node -r @swc-node/register -r reflect-metadata tools/bench/warm-writer.bench.ts [rows] [repeats]
 *
 * Runs, each into the same empty, migrated candles_1m (partitioned, with its key and time index):
 *   1. psql \copy of the rows from files (the baselines; psql start-up included): the text format from
 *      one TSV file (the baseline), the binary format the writer sends from one file, and the
 *      binary format split into N files loaded by N psql processes at once, N = the most COPY streams
 *      the writer runs at once below (so the writer's concurrency is matched by the baseline's)
 *   2. the writer's write path alone: CandleRepository batches of 16,384 rows, each bulk method
 *   3. end to end through the writer service: the rows are first published to the candle stream,
 *      then the real AppModule with RedisStreamsServer consumes them (decode, validate, write, ack)
 *      and the clock stops when the last row is in and every entry is acknowledged
 * Settings (env): BENCH_DATABASE_URL (admin URL, default the local server), BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379/13, flushed).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
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
  BulkTable,
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
/** Runs of each measurement; the median is reported, with the range. */
const REPEATS = Number(process.argv[3] ?? 1);
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

    // 1. Raw COPY with psql, from files written before the clock starts.
    const columns = '(time, symbol, exchange, open, high, low, close, volume, notional_usd, trades)';
    const file = (name: string, chunks: Iterable<string | Buffer>) => {
      const target = path.join(dir, name);
      writeFileSync(target, Buffer.concat([...chunks].map((chunk) => Buffer.from(chunk))));
      return target;
    };
    const table: BulkTable<CandleMessage> = CandleRepository.table;
    /** Runs `run` (which returns its seconds) REPEATS times, each into the empty table; prints and returns the median rate. */
    const measure = async (label: string, run: () => Promise<number>, suffix: (rate: number) => string) => {
      const rates: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        await reset();
        rates.push(ROWS / (await run()));
        if ((await count()) !== ROWS) throw new Error(`${label} wrote ${await count()} of ${ROWS} rows`);
      }
      rates.sort((a, b) => a - b);
      const middle = Math.floor(rates.length / 2);
      const median = rates.length % 2 === 1 ? rates[middle]! : (rates[middle - 1]! + rates[middle]!) / 2;
      const range = REPEATS > 1 ? `  (${fmt(rates[0]!).trim()}-${fmt(rates[rates.length - 1]!).trim()})` : '';
      out(`${label.padEnd(44)} ${fmt(median)} rows/s${suffix(median)}${range}`);
      return median;
    };
    const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
    const psqlCopy = (label: string, files: string[], format: 'text' | 'binary') =>
      measure(
        label,
        async () => {
          const began = process.hrtime.bigint();
          await Promise.all(
            files.map((source) =>
              psql(url.toString(), `\\copy candles_1m ${columns} FROM '${source}' (FORMAT ${format})`),
            ),
          );
          return seconds(began);
        },
        () => '',
      );
    const slices = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        rows.slice(Math.floor((i * ROWS) / n), Math.floor(((i + 1) * ROWS) / n)),
      );
    const copyRate = await psqlCopy(
      'psql \\copy text x1 (the baseline)',
      [file('candles.tsv', table.copyText(rows))],
      'text',
    );
    const binaryRate = await psqlCopy(
      'psql \\copy binary x1',
      [file('candles.bin', table.copyBinary(rows))],
      'binary',
    );
    const STREAMS = [2, 4];
    const parallelRates = new Map<number, number>([[1, binaryRate]]);
    for (const n of STREAMS) {
      const files = slices(n).map((slice, i) => file(`candles-${n}-${i}.bin`, table.copyBinary(slice)));
      parallelRates.set(
        n,
        await psqlCopy(`psql \\copy binary x${n} (${n} processes at once)`, files, 'binary'),
      );
    }
    /** The psql binary run with the most streams not above `streams`: the baseline of the same concurrency. */
    const matchedRate = (streams: number): [number, number] =>
      [...parallelRates].filter(([n]) => n <= streams).sort((a, b) => b[0] - a[0])[0]!;
    /** "ratio to psql text x1 / to psql binary with the same number of COPY streams". */
    const ratios = (rate: number, streams: number) => {
      const [n, matched] = matchedRate(streams);
      return `${(rate / copyRate).toFixed(2)} (text x1), ${(rate / matched).toFixed(2)} (binary x${n})`;
    };

    // 2. The writer's write path alone.
    const pool = new Pool({ connectionString: url.toString(), max: 4 });
    const paths: Array<[BulkMethod, number]> = [
      ['copy', 1],
      ['copy', 2],
      ['copy', 4],
      ['staged-copy', 2],
      ['unnest', 2],
    ];
    for (const [method, parallelism] of paths) {
      const repository = new CandleRepository(pool, { method, parallelism });
      await measure(
        `writer write path (${method} x${parallelism})`,
        async () => {
          const began = process.hrtime.bigint();
          for (let i = 0; i < rows.length; i += BATCH) await repository.insert(rows.slice(i, i + BATCH));
          const took = seconds(began);
          // Idempotency costs nothing extra to check here: the same rows again insert nothing.
          const again = await repository.insert(rows.slice(0, BATCH));
          if (again !== 0) throw new Error(`${method} inserted ${again} duplicates`);
          return took;
        },
        (rate) => `  ratio ${ratios(rate, parallelism)}`,
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
    // [method, WARM_WRITE_PARALLELISM, WARM_CONSUMERS]
    const services: Array<[BulkMethod, number, number]> = [
      ['copy', 2, 1],
      ['copy', 2, 2],
      ['copy', 1, 4],
      ['staged-copy', 2, 2],
    ];
    const defaults = new WarmWriterConfig();
    let shipped: { label: string; rate: number; streams: number } | null = null;
    let round = 0;
    for (const [method, parallelism, consumers] of services) {
      // At most this many COPY streams run at once: each consumer's batch over up to `parallelism` connections.
      const streams = Math.min(parallelism * consumers, defaults.DATABASE_POOL_SIZE);
      const label = `writer service (${method} x${parallelism}, ${consumers} consumers)`;
      const rate = await measure(
        label,
        async () => {
          await redis.del(CandleStream.stream);
          for (let i = 0; i < rows.length; i += 50_000)
            await publisher.publish(CandleStream, rows.slice(i, i + 50_000));
          await publisher.flush();
          const config = Object.assign(new WarmWriterConfig(), {
            DATABASE_URL: url.toString(),
            REDIS_URL,
            WARM_BULK_METHOD: method,
            WARM_WRITE_PARALLELISM: parallelism,
            WARM_CONSUMERS: consumers,
            WARM_MAINTENANCE_INTERVAL_MS: 0,
          });
          const writerPool = new Pool({ connectionString: url.toString(), max: config.DATABASE_POOL_SIZE });
          const writerRedis = new Redis(REDIS_URL);
          const app = await NestFactory.create(
            AppModule.register({ config, pool: writerPool, redis: writerRedis, logger }),
            { logger: false },
          );
          const group = `warm-writer-${(round += 1)}`;
          for (let consumer = 0; consumer < config.WARM_CONSUMERS; consumer++) {
            const server = new RedisStreamsServer({
              redis: writerRedis,
              group,
              readCount: 64,
              blockMs: 100,
              maxLen: 0,
              logger,
            });
            app.connectMicroservice({ strategy: server });
          }
          await app.init();
          const began = process.hrtime.bigint();
          await app.startAllMicroservices();
          for (;;) {
            const groups = (await redis.xinfo('GROUPS', CandleStream.stream)) as unknown[][];
            const info = Object.fromEntries(
              (groups.find((g) => g[1] === group) ?? []).reduce<Array<[unknown, unknown]>>(
                (pairs, value, i, all) => (i % 2 === 0 ? [...pairs, [value, all[i + 1]]] : pairs),
                [],
              ),
            ) as { lag?: number; pending?: number };
            if (info.lag === 0 && info.pending === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          const took = seconds(began);
          await app.close();
          return took;
        },
        (median) => `  ratio ${ratios(median, streams)}`,
      );
      if (
        method === defaults.WARM_BULK_METHOD &&
        parallelism === defaults.WARM_WRITE_PARALLELISM &&
        consumers === defaults.WARM_CONSUMERS
      )
        shipped = { label, rate, streams };
    }
    await publisher.close();
    await redis.flushdb();
    redis.disconnect();
    if (!shipped) throw new Error('the shipped defaults were not measured');
    const matched = matchedRate(shipped.streams);
    out(
      `result (shipped defaults): ${shipped.label} ${fmt(shipped.rate).trim()} rows/s; psql \\copy text x1 ${fmt(copyRate).trim()} rows/s, ratio ${(shipped.rate / copyRate).toFixed(2)}; psql \\copy binary x${matched[0]} (same number of COPY streams) ${fmt(matched[1]).trim()} rows/s, ratio ${(shipped.rate / matched[1]).toFixed(2)} (targets: >= 100,000 rows/s, ratio >= 0.5)`,
    );
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one psql command against the database; rejects naming psql's error output when it fails. */
function psql(databaseUrl: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-q', '-v', 'ON_ERROR_STOP=1', databaseUrl, '-c', command], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${stderr}`)),
    );
  });
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en').padStart(9);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
