import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GatewayConfig } from './gateway.config';
import { LOGGER, PG_POOL, PG_READ_POOL, REDIS, type GatewayDependencies } from './gateway.dependencies';
import { PubSubHub } from './realtime/pubsub.hub';

/**
 * The gateway's connections and configuration, available to every feature module:
 * `@Inject(REDIS)`, `@Inject(PG_POOL)`, `@Inject(PG_READ_POOL)`, `@Inject(LOGGER)`, `GatewayConfig`,
 * TypeORM's `DataSource` and the shared `PubSubHub`.
 */
@Global()
@Module({})
export class GatewayCoreModule {
  static register(deps: GatewayDependencies): DynamicModule {
    return {
      module: GatewayCoreModule,
      providers: [
        { provide: GatewayConfig, useValue: deps.config },
        { provide: LOGGER, useValue: deps.logger },
        { provide: REDIS, useValue: deps.redis },
        { provide: PG_POOL, useValue: deps.pool },
        { provide: PG_READ_POOL, useValue: deps.readPool },
        { provide: DataSource, useValue: deps.dataSource },
        { provide: PubSubHub, useFactory: () => new PubSubHub(deps.subscriber, deps.logger) },
      ],
      exports: [GatewayConfig, LOGGER, REDIS, PG_POOL, PG_READ_POOL, DataSource, PubSubHub],
    };
  }
}
