import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { OnStream, StreamContext } from '@mdp/transport';
import { FlowAggregationService } from './flow-aggregation.service';

/** Trades into the flow windows, candles and last prices; acknowledged after the checkpoint that holds them. */
@Controller()
export class TradeFlowHandler {
  constructor(private readonly aggregation: FlowAggregationService) {}

  @OnStream(TradeStream, { batch: true, ack: 'deferred' })
  async onTrades(@Payload() trades: TradeMessage[], @Ctx() context: StreamContext): Promise<void> {
    await this.aggregation.onTrades(trades, context);
  }
}
