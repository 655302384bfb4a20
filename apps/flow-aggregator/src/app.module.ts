import { Module, type DynamicModule } from '@nestjs/common';
import { HealthModule, type Logger, type RedisClient } from '@mdp/platform';
import { FlowAggregatorConfig } from './flow-aggregator.config';
import { FlowAggregationService } from './flow/flow-aggregation.service';
import { FLOW_TOKENS } from './flow/flow-aggregator.tokens';
import { FlowAggregatorHealth } from './flow/flow-aggregator.health';
import { LiquidationFlowHandler } from './flow/liquidation-flow.handler';
import { PositionMonitorService } from './flow/position-monitor.service';
import { TradeFlowHandler } from './flow/trade-flow.handler';

export interface FlowAggregatorDependencies {
  config: FlowAggregatorConfig;
  redis: RedisClient;
  logger: Logger;
}

/** The flow aggregator: trade and liquidation handlers, the aggregation and its writes, position monitoring, health. */
@Module({})
export class AppModule {
  static register({ config, redis, logger }: FlowAggregatorDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [HealthModule.forRoot()],
      controllers: [TradeFlowHandler, LiquidationFlowHandler],
      providers: [
        { provide: FlowAggregatorConfig, useValue: config },
        { provide: FLOW_TOKENS.redis, useValue: redis },
        { provide: FLOW_TOKENS.logger, useValue: logger },
        FlowAggregationService,
        PositionMonitorService,
        FlowAggregatorHealth,
      ],
    };
  }
}
