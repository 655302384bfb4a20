import { Module, type DynamicModule, type OnApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { HealthModule, type Logger, type RedisClient } from '@mdp/platform';
import {
  CandleRepository,
  FlowSnapshotRepository,
  HotFlowSnapshotRepository,
  LiquidationRepository,
  LiquidationSignalRepository,
  WarmStoreMaintenanceRepository,
} from '@mdp/data-access-warm-store';
import { WarmWriterConfig } from './warm-writer.config';
import { CandleWriterHandler } from './writer/candle-writer.handler';
import { FlowSnapshotWriterHandler } from './writer/flow-snapshot-writer.handler';
import { LiquidationWriterHandler } from './writer/liquidation-writer.handler';
import { SignalWriterHandler } from './writer/signal-writer.handler';
import { WarmStoreMaintenanceService } from './writer/warm-store-maintenance.service';
import { WarmWriterHealth } from './writer/warm-writer.health';
import { WRITER_LOGGER } from './writer/writer-logger';
import { WRITER_REDIS } from './writer/writer-redis';

export interface WarmWriterDependencies {
  config: WarmWriterConfig;
  pool: Pool;
  redis: RedisClient;
  logger: Logger;
}

/** Closes the pool and the Redis connection after the stream consumer has stopped. */
@Injectable()
class ConnectionCloser implements OnApplicationShutdown {
  constructor(
    private readonly pool: Pool,
    @Inject(WRITER_REDIS) private readonly redis: RedisClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** The hot-to-warm writer: four stream handlers writing in batches, maintenance, health. */
@Module({})
export class AppModule {
  static register({ config, pool, redis, logger }: WarmWriterDependencies): DynamicModule {
    const write = { method: config.WARM_BULK_METHOD, parallelism: config.WARM_WRITE_PARALLELISM };
    return {
      module: AppModule,
      imports: [HealthModule.forRoot()],
      controllers: [
        CandleWriterHandler,
        LiquidationWriterHandler,
        SignalWriterHandler,
        FlowSnapshotWriterHandler,
      ],
      providers: [
        { provide: WarmWriterConfig, useValue: config },
        { provide: Pool, useValue: pool },
        { provide: WRITER_REDIS, useValue: redis },
        { provide: WRITER_LOGGER, useValue: logger },
        { provide: CandleRepository, useFactory: () => new CandleRepository(pool, write) },
        { provide: LiquidationRepository, useFactory: () => new LiquidationRepository(pool, write) },
        {
          provide: LiquidationSignalRepository,
          useFactory: () => new LiquidationSignalRepository(pool, write),
        },
        { provide: FlowSnapshotRepository, useFactory: () => new FlowSnapshotRepository(pool, write) },
        { provide: HotFlowSnapshotRepository, useFactory: () => new HotFlowSnapshotRepository(redis) },
        {
          provide: WarmStoreMaintenanceRepository,
          useFactory: () => new WarmStoreMaintenanceRepository(pool),
        },
        WarmStoreMaintenanceService,
        WarmWriterHealth,
        ConnectionCloser,
      ],
    };
  }
}
