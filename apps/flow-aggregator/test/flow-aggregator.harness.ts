import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, createRedisConnection, loadConfig, type RedisClient } from '@mdp/platform';
import { RedisStreamsServer, serverOptionsFrom } from '@mdp/transport';
import { testRedisUrl } from '@mdp/testing';
import { AppModule } from '../src/app.module';
import { FlowAggregatorConfig } from '../src/flow-aggregator.config';
import { FlowAggregationService } from '../src/flow/flow-aggregation.service';
import { PositionMonitorService } from '../src/flow/position-monitor.service';
import { flowSettingsFrom } from '../src/flow/flow-settings';

export interface RunningAggregator {
  app: INestApplication;
  server: RedisStreamsServer;
  aggregation: FlowAggregationService;
  positions: PositionMonitorService;
  redis: RedisClient;
  close(): Promise<void>;
}

/** Starts the aggregator as main.ts does, on this worker's Redis database, with timers slowed so tests drive the ticks. */
export async function startAggregator(
  overrides: Partial<FlowAggregatorConfig> = {},
): Promise<RunningAggregator> {
  const config = Object.assign(loadConfig(FlowAggregatorConfig, { REDIS_URL: testRedisUrl() }), {
    STREAM_BLOCK_MS: 100,
    STREAM_GROUP_START: '0',
    FLOW_PUBLISH_INTERVAL_MS: 3_600_000,
    CANDLE_FLUSH_INTERVAL_MS: 3_600_000,
    FLOW_INDEX_PRUNE_INTERVAL_MS: 3_600_000,
    POSITION_MONITOR_INTERVAL_MS: 3_600_000,
    FLOW_WALL_CLOCK_CLOSE: false,
    // Handover within a second or two (a replica's lease expires in 2 s).
    FLOW_HEARTBEAT_MS: 200,
    FLOW_LEASE_MS: 2_000,
    ...overrides,
  });
  const logger = createLogger('flow-aggregator', process.env['TEST_LOG_LEVEL'] ?? 'silent');
  const redis = createRedisConnection(config.REDIS_URL);
  const app = await NestFactory.create(AppModule.register({ config, redis, logger }), { logger: false });
  const server = new RedisStreamsServer({
    redis,
    group: flowSettingsFrom(config).group,
    logger,
    ...serverOptionsFrom(config),
    singleConsumer: true,
  });
  app.connectMicroservice({ strategy: server });
  try {
    await app.init(); // joins and restores its partitions before the transport reads, as main.ts
    await app.startAllMicroservices();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return {
    app,
    server,
    aggregation: app.get(FlowAggregationService),
    positions: app.get(PositionMonitorService),
    redis,
    close: () => app.close(),
  };
}
