import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestPinoLogger, createLogger, createRedisConnection, loadConfig } from '@mdp/platform';
import { RedisStreamsServer, registerStreamMetrics, serverOptionsFrom } from '@mdp/transport';
import { AppModule } from './app.module';
import { FlowAggregatorConfig } from './flow-aggregator.config';
import { flowSettingsFrom } from './flow/flow-settings';

async function main(): Promise<void> {
  let config: FlowAggregatorConfig;
  try {
    config = loadConfig(FlowAggregatorConfig);
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
  // Each replica's group has exactly one consumer: at start it handles what its dead predecessor
  // left pending before anything new, and entries are acknowledged after the checkpoints covering them.
  const server = new RedisStreamsServer({
    redis,
    group: settings.group,
    logger,
    ...serverOptionsFrom(config),
    singleConsumer: true,
  });
  app.connectMicroservice({ strategy: server });
  registerStreamMetrics(redis, server);
  // The replica joins and restores its partitions (onModuleInit) before the transport reads anything.
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info(
    {
      port: config.HTTP_PORT,
      group: settings.group,
      replica: config.FLOW_REPLICA,
      partitions: config.FLOW_PARTITIONS,
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
