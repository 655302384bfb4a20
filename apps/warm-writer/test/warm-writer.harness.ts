import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Pool } from 'pg';
import { createLogger, createRedisConnection, loadConfig, type RedisClient } from '@mdp/platform';
import { RedisStreamsServer, serverOptionsFrom } from '@mdp/transport';
import { AppModule } from '../src/app.module';
import { WarmWriterConfig } from '../src/warm-writer.config';
import { createWarmWriterPool } from '../src/warm-writer.pool';

export interface RunningWriter {
  app: INestApplication;
  servers: RedisStreamsServer[];
  /** Transport counters summed over the process's consumers. */
  stats(): { transientWaits: number; deadLettered: number };
  pool: Pool;
  redis: RedisClient;
  url: string;
  close(): Promise<void>;
}

/** Starts the writer as main.ts does (WARM_CONSUMERS consumers, HTTP on a free port), with the given environment. */
export async function startWriter(
  env: Record<string, string>,
  overrides: Partial<WarmWriterConfig> = {},
): Promise<RunningWriter> {
  const config = Object.assign(loadConfig(WarmWriterConfig, env), {
    STREAM_BLOCK_MS: 200,
    HTTP_HOST: '127.0.0.1',
    ...overrides,
  });
  const logger = createLogger('warm-writer', process.env['TEST_LOG_LEVEL'] ?? 'silent');
  const pool = createWarmWriterPool(config, logger);
  const redis = createRedisConnection(config.REDIS_URL);
  const app = await NestFactory.create(AppModule.register({ config, pool, redis, logger }), {
    logger: false,
  });
  const servers = Array.from(
    { length: config.WARM_CONSUMERS },
    () => new RedisStreamsServer({ redis, group: 'warm-writer', logger, ...serverOptionsFrom(config) }),
  );
  for (const server of servers) app.connectMicroservice({ strategy: server });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const httpServer = app.getHttpServer() as { address(): { port: number } };
  const address = httpServer.address();
  const stats = () => ({
    transientWaits: servers.reduce((sum, server) => sum + server.stats.transientWaits, 0),
    deadLettered: servers.reduce((sum, server) => sum + server.stats.deadLettered, 0),
  });
  return {
    app,
    servers,
    stats,
    pool,
    redis,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}
