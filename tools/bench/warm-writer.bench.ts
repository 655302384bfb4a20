/**
 * Warm writer throughput: rows per second of closed 1m candles into PostgreSQL, beside a raw `COPY`
 * of the same rows with psql in the same run, and the ratio.
 *
 *   node -r @swc-node/register -r reflect-metadata tools/bench/warm-writer.bench.ts [rows] [rounds]
 *
 * Each round runs every case below once, in order, each into the same empty, migrated candles_1m
 * (partitioned, with its key and time index); ratios are taken within a round (the baseline ran
 * seconds before, under about the same load) and the medians over the rounds are printed:
 *   1. psql \copy of the rows from files (the baselines; psql start-up included): the text format from
 *      one TSV file (the baseline), the binary format the writer sends from one file, and the
 *      binary format split into 2 and 4 files loaded by as many psql processes at once; each writer
 *      case is also compared with the psql run of as many COPY streams as it runs at once
 *   2. the writer's write path alone: CandleRepository batches of 16,384 rows, each bulk method; and,
 *      for comparison, the same batches sent as COPY text (the format the writer used before binary)
 *   3. end to end through the writer service: the rows are first published to the candle stream,
 *      then the real AppModule with RedisStreamsServer consumes them (decode, validate, write, ack)
 *      and the clock stops when the last row is in and every entry is acknowledged
 * Settings (env): BENCH_DATABASE_URL (admin URL, default the local server), BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379/13, flushed).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CandleStream, type CandleMessage } from '@mdp/schemas';
import { createLogger } from '@mdp/platform';
import { RedisStreamsServer, StreamPublisher } from '@mdp/transport';
import {
  BulkTable,
  CandleRepository,
  MigrationRunner,
  PgClientSession,
  withPooledClient,
  type BulkMethod,
} from '@mdp/data-access-warm-store';
import { AppModule } from '../../apps/warm-writer/src/app.module';
import { WarmWriterConfig } from '../../apps/warm-writer/src/warm-writer.config';

const env = process.env;
const ADMIN_URL = env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379/13';
const ROWS = Number(process.argv[2] ?? 500_000);
/** Rounds of every case; medians (and the range of the rates) are reported. */
const ROUNDS = Number(process.argv[3] ?? 1);
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

interface Case {
  label: string;
  /** COPY streams at once: 0 for the text baseline, else the psql binary baseline of this many is its match. */
  streams: number;
  /** Writes every row into the empty table; returns the seconds it took. */
  run: () => Promise<number>;
  rates: number[];
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
  const pool = new Pool({ connectionString: url.toString(), max: 4 });
  const redis = new Redis(REDIS_URL);
  const publisher = new StreamPublisher(redis, {
    maxEventsPerEntry: 256,
    validate: false,
    maxBufferedEvents: ROWS + 1,
  });
  try {
    await new MigrationRunner(new PgClientSession(db), {
      directory: path.resolve('migrations'),
      logger,
    }).migrate();
    await db.query('SELECT count(*) FROM warm_store_maintain($1)', [new Date(T0)]);
    await redis.flushdb();
    const count = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM candles_1m')).rows[0]!.n);
    const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
    out(
      `warm writer benchmark: ${ROWS.toLocaleString('en')} closed 1m candles (500 symbols), ${ROUNDS} round(s), PostgreSQL ${(await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version}, ${name}`,
    );
    const cases: Case[] = [];

    // 1. Raw COPY with psql, from files written before any clock starts.
    const columns = '(time, symbol, exchange, open, high, low, close, volume, notional_usd, trades)';
    const table: BulkTable<CandleMessage> = CandleRepository.table;
    const file = (fileName: string, chunks: Iterable<string | Buffer>) => {
      const target = path.join(dir, fileName);
      writeFileSync(target, Buffer.concat([...chunks].map((chunk) => Buffer.from(chunk))));
      return target;
    };
    const psqlCase = (label: string, streams: number, files: string[], format: 'text' | 'binary'): Case => ({
      label,
      streams,
      rates: [],
      run: async () => {
        const began = process.hrtime.bigint();
        await Promise.all(
          files.map((source) =>
            psql(url.toString(), `\\copy candles_1m ${columns} FROM '${source}' (FORMAT ${format})`),
          ),
        );
        return seconds(began);
      },
    });
    cases.push(
      psqlCase('psql \\copy text x1 (the baseline)', 0, [file('candles.tsv', table.copyText(rows))], 'text'),
    );
    cases.push(psqlCase('psql \\copy binary x1', 1, [file('candles.bin', table.copyBinary(rows))], 'binary'));
    for (const n of [2, 4]) {
      const files = Array.from({ length: n }, (_, i) =>
        file(
          `candles-${n}-${i}.bin`,
          table.copyBinary(rows.slice(Math.floor((i * ROWS) / n), Math.floor(((i + 1) * ROWS) / n))),
        ),
      );
      cases.push(psqlCase(`psql \\copy binary x${n} (${n} processes at once)`, n, files, 'binary'));
    }
    const baselines = cases.slice();

    // 2. The writer's write path alone.
    const paths: Array<[BulkMethod, number]> = [
      ['copy', 1],
      ['copy', 2],
      ['copy', 4],
      ['staged-copy', 2],
      ['unnest', 2],
    ];
    for (const [method, parallelism] of paths) {
      const repository = new CandleRepository(pool, { method, parallelism });
      cases.push({
        label: `writer write path (${method} x${parallelism})`,
        streams: parallelism,
        rates: [],
        run: async () => {
          const began = process.hrtime.bigint();
          for (let i = 0; i < rows.length; i += BATCH) await repository.insert(rows.slice(i, i + BATCH));
          const took = seconds(began);
          // Idempotency costs nothing extra to check here: the same rows again insert nothing.
          const again = await repository.insert(rows.slice(0, BATCH));
          if (again !== 0) throw new Error(`${method} inserted ${again} duplicates`);
          return took;
        },
      });
    }

    // The text format over the same client, batches and connection (what `copy` x1 sent before binary).
    cases.push({
      label: 'text-format COPY x1 (the former encoding)',
      streams: 1,
      rates: [],
      run: async () => {
        const began = process.hrtime.bigint();
        await withPooledClient(pool, async (client) => {
          for (let i = 0; i < rows.length; i += BATCH)
            await pipeline(
              Readable.from(table.copyText(rows.slice(i, i + BATCH))),
              client.query(copyFrom(`COPY candles_1m ${columns} FROM STDIN`)),
            );
        });
        return seconds(began);
      },
    });

    // 3. End to end through the writer service. [method, WARM_WRITE_PARALLELISM, WARM_CONSUMERS]
    const defaults = new WarmWriterConfig();
    const services: Array<[BulkMethod, number, number]> = [
      ['copy', 2, 1],
      ['copy', 2, 2],
      ['copy', 1, 4],
      ['staged-copy', 2, 2],
    ];
    let groups = 0;
    let shipped: Case | null = null;
    for (const [method, parallelism, consumers] of services) {
      const service: Case = {
        label: `writer service (${method} x${parallelism}, ${consumers} consumers)`,
        // At most this many COPY streams run at once: each consumer's batch over up to `parallelism` connections.
        streams: Math.min(parallelism * consumers, defaults.DATABASE_POOL_SIZE),
        rates: [],
        run: () => runService(method, parallelism, consumers),
      };
      cases.push(service);
      if (
        method === defaults.WARM_BULK_METHOD &&
        parallelism === defaults.WARM_WRITE_PARALLELISM &&
        consumers === defaults.WARM_CONSUMERS
      )
        shipped = service;
    }
    const runService = async (method: BulkMethod, parallelism: number, consumers: number) => {
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
      const group = `warm-writer-${(groups += 1)}`;
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
        const info = (await redis.xinfo('GROUPS', CandleStream.stream)) as unknown[][];
        const fields = info.find((g) => g[1] === group) ?? [];
        const field = (key: string) => fields[fields.indexOf(key) + 1];
        if (field('lag') === 0 && field('pending') === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const took = seconds(began);
      await app.close();
      return took;
    };

    for (let round = 1; round <= ROUNDS; round++) {
      for (const entry of cases) {
        await db.query('TRUNCATE candles_1m');
        await db.query('CHECKPOINT');
        entry.rates.push(ROWS / (await entry.run()));
        const stored = await count();
        if (stored !== ROWS) throw new Error(`${entry.label} wrote ${stored} of ${ROWS} rows`);
      }
      process.stderr.write(`round ${round}/${ROUNDS} done\n`);
    }

    const matchOf = (entry: Case) =>
      baselines
        .filter((b) => b.streams >= 1 && b.streams <= entry.streams)
        .sort((a, b) => b.streams - a.streams)[0]!;
    /** Median over the rounds of this case's rate divided by the baseline's rate in the same round. */
    const ratio = (entry: Case, baseline: Case) =>
      median(entry.rates.map((rate, i) => rate / baseline.rates[i]!));
    const text = baselines[0]!;
    for (const entry of cases) {
      const range =
        ROUNDS > 1
          ? `  (${fmt(Math.min(...entry.rates)).trim()}-${fmt(Math.max(...entry.rates)).trim()})`
          : '';
      const ratios = baselines.includes(entry)
        ? ''
        : `  ratio ${ratio(entry, text).toFixed(2)} to text x1, ${ratio(entry, matchOf(entry)).toFixed(2)} to binary x${matchOf(entry).streams}`;
      out(`${entry.label.padEnd(44)} ${fmt(median(entry.rates))} rows/s${ratios}${range}`);
    }
    if (!shipped) throw new Error('the shipped defaults were not measured');
    const match = matchOf(shipped);
    out(
      `result (shipped defaults): ${shipped.label} ${fmt(median(shipped.rates)).trim()} rows/s; ratio ${ratio(shipped, text).toFixed(2)} to psql \\copy text x1 (${fmt(median(text.rates)).trim()} rows/s), ${ratio(shipped, match).toFixed(2)} to psql \\copy binary x${match.streams} (the same number of COPY streams, ${fmt(median(match.rates)).trim()} rows/s) (targets: >= 100,000 rows/s, ratio >= 0.5)`,
    );
  } finally {
    await publisher.close();
    await redis.flushdb();
    redis.disconnect();
    await pool.end();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
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
