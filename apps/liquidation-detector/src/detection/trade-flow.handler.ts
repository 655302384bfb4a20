import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { OnStream, StreamContext } from '@mdp/transport';
import { LiquidationDetectionService } from './liquidation-detection.service';

/** Trades from the stream into the per-symbol rolling VWAP windows; acknowledged after the checkpoint covering them. */
@Controller()
export class TradeFlowHandler {
  constructor(private readonly detection: LiquidationDetectionService) {}

  @OnStream(TradeStream, { batch: true, ack: 'deferred' })
  async onTrades(@Payload() trades: TradeMessage[], @Ctx() context: StreamContext): Promise<void> {
    while (!this.detection.joined || this.detection.catchingUp) await this.detection.idle();
    this.detection.onTrades(trades, {
      stream: context.getStream(),
      ids: context.getEntryIds(),
      counts: context.getEntryEventCounts(),
    });
  }
}
