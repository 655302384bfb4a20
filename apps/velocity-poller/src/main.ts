import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestPinoLogger, createLogger, createRedisConnection, loadConfig } from '@mdp/platform';
import { AppModule } from './app.module';
import { VelocityPollerConfig } from './velocity-poller.config';
import { createVelocityPollerPool } from './velocity-poller.pool';

async function main(): Promise<void> {
  let config: VelocityPollerConfig;
  try {
    config = loadConfig(VelocityPollerConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('velocity-poller').fatal({ problems: error.problems }, 'invalid configuration');
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('velocity-poller', config.LOG_LEVEL);
  const pool = createVelocityPollerPool(config, logger);
  // Cache writes fail fast while Redis is down (no offline queue): the poll carries on with the
  // database and the caches are rebuilt when Redis is back.
  const redis = createRedisConnection(config.REDIS_URL, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on('error', (error: Error) => logger.debug({ error: error.message }, 'redis connection error'));
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    redis.once('ready', done);
    setTimeout(done, 3_000).unref();
  });
  const app = await NestFactory.create(AppModule.register({ config, pool, redis, logger }), {
    logger: new NestPinoLogger(logger),
  });
  app.enableShutdownHooks();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info(
    { port: config.HTTP_PORT, cmc: config.CMC_BASE_URL, intervalMs: config.POLL_INTERVAL_MS },
    'velocity poller started',
  );
}

main().catch((error: unknown) => {
  createLogger('velocity-poller').fatal(
    { error: error instanceof Error ? error.stack : String(error) },
    'velocity poller failed to start',
  );
  process.exit(1);
});
