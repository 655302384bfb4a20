import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { OnStream } from '@mdp/transport';
import { FlowAggregationService } from './flow-aggregation.service';

/** Trades into the flow windows, candles and last prices. */
@Controller()
export class TradeFlowHandler {
  constructor(private readonly aggregation: FlowAggregationService) {}

  @OnStream(TradeStream, { batch: true })
  async onTrades(@Payload() trades: TradeMessage[]): Promise<void> {
    await this.aggregation.onTrades(trades);
  }
}
