import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestPinoLogger, createLogger, createRedisConnection, loadConfig } from '@mdp/platform';
import { RedisStreamsServer, registerStreamMetrics, serverOptionsFrom } from '@mdp/transport';
import { AppModule } from './app.module';
import type { DetectorComponents } from './liquidation-detector.components';
import { LiquidationDetectorConfig } from './liquidation-detector.config';
import { DETECTOR_COMPONENTS } from './liquidation-detector.tokens';

async function main(): Promise<void> {
  let config: LiquidationDetectorConfig;
  try {
    config = loadConfig(LiquidationDetectorConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('liquidation-detector').fatal({ problems: error.problems }, 'invalid configuration');
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('liquidation-detector', config.LOG_LEVEL);
  const redis = createRedisConnection(config.REDIS_URL);
  const app = await NestFactory.create(AppModule.register({ config, redis, logger }), {
    logger: new NestPinoLogger(logger),
  });
  app.enableShutdownHooks();
  const { partitions } = app.get<DetectorComponents>(DETECTOR_COMPONENTS);
  const server = new RedisStreamsServer({
    redis,
    group: partitions.group,
    logger,
    ...serverOptionsFrom(config),
    // One consumer per group: its handlers acknowledge after the checkpoint covering their entries.
    singleConsumer: true,
  });
  app.connectMicroservice({ strategy: server });
  registerStreamMetrics(redis, server);
  // Joins the replicas and restores this replica's partitions (onApplicationBootstrap) before the consumer reads.
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info(
    { port: config.HTTP_PORT, group: partitions.group, replica: partitions.replica },
    'liquidation detector started',
  );
}

main().catch((error: unknown) => {
  createLogger('liquidation-detector').fatal(
    { error: error instanceof Error ? error.stack : String(error) },
    'liquidation detector failed to start',
  );
  process.exit(1);
});
