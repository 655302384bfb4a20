import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { LiquidationStream, type LiquidationMessage } from '@mdp/schemas';
import { OnStream, StreamContext } from '@mdp/transport';
import { FlowAggregationService } from './flow-aggregation.service';

/** Liquidations into the flow windows (node and window liquidation counts and volumes); acknowledged after the checkpoint that holds them. */
@Controller()
export class LiquidationFlowHandler {
  constructor(private readonly aggregation: FlowAggregationService) {}

  @OnStream(LiquidationStream, { batch: true, ack: 'deferred' })
  async onLiquidations(
    @Payload() liquidations: LiquidationMessage[],
    @Ctx() context: StreamContext,
  ): Promise<void> {
    await this.aggregation.onLiquidations(liquidations, context);
  }
}
