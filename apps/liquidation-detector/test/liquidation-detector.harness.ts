import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, createRedisConnection, loadConfig, type RedisClient } from '@mdp/platform';
import { RedisStreamsServer, serverOptionsFrom } from '@mdp/transport';
import { AppModule } from '../src/app.module';
import { LiquidationDetectorConfig } from '../src/liquidation-detector.config';
import type { DetectorComponents } from '../src/liquidation-detector.components';
import { DETECTOR_COMPONENTS } from '../src/liquidation-detector.tokens';

export interface RunningDetector {
  app: INestApplication;
  server: RedisStreamsServer;
  components: DetectorComponents;
  redis: RedisClient;
  url: string;
  close(): Promise<void>;
}

/** Starts the detector as main.ts does (its replica's consumer group, joined before reading, HTTP on a free port), with the given environment. */
export async function startDetector(
  env: Record<string, string>,
  overrides: Partial<LiquidationDetectorConfig> = {},
): Promise<RunningDetector> {
  const config = Object.assign(loadConfig(LiquidationDetectorConfig, env), {
    STREAM_BLOCK_MS: 200,
    HTTP_HOST: '127.0.0.1',
    ...overrides,
  });
  const logger = createLogger('liquidation-detector', process.env['TEST_LOG_LEVEL'] ?? 'silent');
  const redis = createRedisConnection(config.REDIS_URL);
  const app = await NestFactory.create(AppModule.register({ config, redis, logger }), { logger: false });
  const server = new RedisStreamsServer({
    redis,
    group: app.get<DetectorComponents>(DETECTOR_COMPONENTS).partitions.group,
    logger,
    ...serverOptionsFrom(config),
    singleConsumer: true,
  });
  app.connectMicroservice({ strategy: server });
  try {
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A refused start (another process holds the replica number) leaves no open connection behind.
    await app.close().catch(() => undefined);
    redis.disconnect();
    throw error;
  }
  const address = (app.getHttpServer() as { address(): { port: number } }).address();
  const components = app.get<DetectorComponents>(DETECTOR_COMPONENTS);
  return {
    app,
    server,
    components,
    redis,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}
