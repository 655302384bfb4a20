import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { LiquidationStream, type LiquidationMessage } from '@mdp/schemas';
import { OnStream } from '@mdp/transport';
import { FlowAggregationService } from './flow-aggregation.service';

/** Liquidations into the flow windows (node and window liquidation counts and volumes). */
@Controller()
export class LiquidationFlowHandler {
  constructor(private readonly aggregation: FlowAggregationService) {}

  @OnStream(LiquidationStream, { batch: true })
  async onLiquidations(@Payload() liquidations: LiquidationMessage[]): Promise<void> {
    await this.aggregation.onLiquidations(liquidations);
  }
}
