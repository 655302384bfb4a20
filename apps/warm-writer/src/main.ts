import 'reflect-metadata';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestPinoLogger, createLogger, createRedisConnection, loadConfig } from '@mdp/platform';
import { RedisStreamsServer, serverOptionsFrom } from '@mdp/transport';
import {
  MigrationRunner,
  PgClientSession,
  withPooledClient,
  type WarmStoreMode,
} from '@mdp/data-access-warm-store';
import { AppModule } from './app.module';
import { WarmWriterConfig } from './warm-writer.config';
import { createWarmWriterPool } from './warm-writer.pool';

async function main(): Promise<void> {
  let config: WarmWriterConfig;
  try {
    config = loadConfig(WarmWriterConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('warm-writer').fatal({ problems: error.problems }, 'invalid configuration');
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('warm-writer', config.LOG_LEVEL);
  const pool = createWarmWriterPool(config, logger);
  if (config.WARM_MIGRATE_ON_START) {
    await withPooledClient(pool, (client) =>
      new MigrationRunner(new PgClientSession(client), {
        directory: path.resolve(config.MIGRATIONS_DIR),
        mode: config.WARM_STORE_MODE as WarmStoreMode | 'auto',
        logger,
      }).migrate(),
    );
  }
  const redis = createRedisConnection(config.REDIS_URL);
  const app = await NestFactory.create(AppModule.register({ config, pool, redis, logger }), {
    logger: new NestPinoLogger(logger),
  });
  app.enableShutdownHooks();
  // Several consumers of the group in one process: while one waits on the database, another reads
  // and decodes the next entries. Rows are keyed, so the order in which batches land does not matter.
  for (let consumer = 0; consumer < config.WARM_CONSUMERS; consumer++) {
    app.connectMicroservice({
      strategy: new RedisStreamsServer({ redis, group: 'warm-writer', logger, ...serverOptionsFrom(config) }),
    });
  }
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.HTTP_PORT }, 'warm writer started');
}

main().catch((error: unknown) => {
  createLogger('warm-writer').fatal(
    { error: error instanceof Error ? error.stack : String(error) },
    'warm writer failed to start',
  );
  process.exit(1);
});
