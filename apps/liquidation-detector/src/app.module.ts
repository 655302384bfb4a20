import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HealthModule, type Logger, type RedisClient } from '@mdp/platform';
import { DETECTOR_LOGGER } from './detection/detector-logger';
import { DETECTOR_REDIS } from './detection/detector-redis';
import { LiquidationDetectionService } from './detection/liquidation-detection.service';
import { LiquidationHandler } from './detection/liquidation.handler';
import { TradeFlowHandler } from './detection/trade-flow.handler';
import { createDetectorComponents, type DetectorComponents } from './liquidation-detector.components';
import { LiquidationDetectorConfig } from './liquidation-detector.config';
import { LiquidationDetectorHealth } from './liquidation-detector.health';
import { registerDetectorMetrics } from './liquidation-detector.metrics';
import { DETECTOR_COMPONENTS } from './liquidation-detector.tokens';

export interface LiquidationDetectorDependencies {
  config: LiquidationDetectorConfig;
  redis: RedisClient;
  logger: Logger;
}

/**
 * Joins the replicas (takes this replica's partitions from their checkpoints) and starts the
 * detector's timers before the consumer reads; on shutdown (after the consumer stopped)
 * checkpoints and releases the partitions, writes what is held and closes Redis.
 */
@Injectable()
class DetectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DETECTOR_COMPONENTS) private readonly components: DetectorComponents,
    @Inject(DETECTOR_REDIS) private readonly redis: RedisClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    registerDetectorMetrics(this.components);
    await this.components.coordinator.join();
    this.components.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.components.stop();
    this.redis.disconnect();
  }
}

/** The liquidation detector: two stream handlers, the batch writer, signals, memory guard, health. */
@Module({})
export class AppModule {
  static register({ config, redis, logger }: LiquidationDetectorDependencies): DynamicModule {
    const components = createDetectorComponents(config, redis, logger);
    return {
      module: AppModule,
      imports: [HealthModule.forRoot()],
      controllers: [LiquidationHandler, TradeFlowHandler],
      providers: [
        { provide: LiquidationDetectorConfig, useValue: config },
        { provide: DETECTOR_REDIS, useValue: redis },
        { provide: DETECTOR_LOGGER, useValue: logger },
        { provide: DETECTOR_COMPONENTS, useValue: components },
        { provide: LiquidationDetectionService, useValue: components.detection },
        LiquidationDetectorHealth,
        DetectorLifecycle,
      ],
    };
  }
}
