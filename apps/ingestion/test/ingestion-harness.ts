import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type Redis from 'ioredis';
import pino from 'pino';
import { register } from 'prom-client';
import type { StreamDefinition } from '@mdp/schemas';
import { loadConfig } from '@mdp/platform';
import { testRedisUrl } from '@mdp/testing';
import { decodeEntry } from '@mdp/transport';
import { AppModule } from '../src/app.module';
import { IngestionConfig } from '../src/ingestion.config';
import { IngestionService } from '../src/ingestion.service';

export interface RunningIngestion {
  app: INestApplication;
  service: IngestionService;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Boots the real ingestion app (Nest module, config from env strings) against this worker's Redis. */
export async function startIngestion(env: Record<string, string>): Promise<RunningIngestion> {
  const config = loadConfig(IngestionConfig, {
    REDIS_URL: testRedisUrl(),
    INGESTION_FLUSH_MS: '5',
    STREAM_MAXLEN: '0',
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = pino({ level: 'info', base: { service: 'ingestion' } }, sink);
  const app = await NestFactory.create(AppModule.forRoot(config, logger), { logger: false });
  await app.init();
  const service = app.get(IngestionService);
  return { app, service, logs, close: () => app.close() };
}

/** Every event of a stream, decoded from its entries (XRANGE + decodeEntry). */
export async function readStream<T>(redis: Redis, definition: StreamDefinition<T & object>): Promise<T[]> {
  const entries = await redis.xrangeBuffer(definition.stream, '-', '+');
  return entries.flatMap(([, fields]) => decodeEntry(fields).events as T[]);
}

/** Current value of a labelled counter in the shared registry. */
export async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}
