import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestPinoLogger, createLogger, createRedisConnection, loadConfig } from '@mdp/platform';
import { RedisStreamsServer, serverOptionsFrom } from '@mdp/transport';
import { AppModule } from './app.module';
import { FlowAggregatorConfig } from './flow-aggregator.config';
import { flowSettingsFrom } from './flow/flow-settings';

async function main(): Promise<void> {
  let config: FlowAggregatorConfig;
  try {
    config = loadConfig(FlowAggregatorConfig);
    if (config.FLOW_SHARD_INDEX >= config.FLOW_SHARD_COUNT) {
      throw new ConfigError([
        `FLOW_SHARD_INDEX must be below FLOW_SHARD_COUNT (${config.FLOW_SHARD_COUNT}), got ${config.FLOW_SHARD_INDEX}`,
      ]);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('flow-aggregator').fatal({ problems: error.problems }, 'invalid configuration');
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('flow-aggregator', config.LOG_LEVEL);
  const settings = flowSettingsFrom(config);
  const redis = createRedisConnection(config.REDIS_URL);
  const app = await NestFactory.create(AppModule.register({ config, redis, logger }), {
    logger: new NestPinoLogger(logger),
  });
  app.enableShutdownHooks();
  // Each shard's group has exactly one consumer: at start it handles what its dead predecessor left
  // pending before anything new, and the entries are acknowledged after the checkpoint holding them.
  app.connectMicroservice({
    strategy: new RedisStreamsServer({
      redis,
      group: settings.group,
      logger,
      ...serverOptionsFrom(config),
      singleConsumer: true,
    }),
  });
  // The checkpoint is restored (onModuleInit) before the transport reads anything.
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info(
    {
      port: config.HTTP_PORT,
      group: settings.group,
      shard: `${config.FLOW_SHARD_INDEX}/${config.FLOW_SHARD_COUNT}`,
      coins: [...settings.coins.keys()],
      windows: settings.windows,
      timeframes: settings.timeframes,
    },
    'flow aggregator started',
  );
}

main().catch((error: unknown) => {
  createLogger('flow-aggregator').fatal(
    { error: error instanceof Error ? error.stack : String(error) },
    'flow aggregator failed to start',
  );
  process.exit(1);
});
