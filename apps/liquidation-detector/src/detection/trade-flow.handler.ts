import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { OnStream, StreamContext } from '@mdp/transport';
import { LiquidationDetectionService } from './liquidation-detection.service';

/** Trades from the stream into the per-symbol rolling VWAP windows. */
@Controller()
export class TradeFlowHandler {
  constructor(private readonly detection: LiquidationDetectionService) {}

  @OnStream(TradeStream, { batch: true })
  onTrades(@Payload() trades: TradeMessage[], @Ctx() _context: StreamContext): void {
    this.detection.onTrades(trades);
  }
}
