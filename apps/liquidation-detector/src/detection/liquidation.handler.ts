import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { LiquidationStream, type LiquidationMessage } from '@mdp/schemas';
import { OnStream, StreamContext } from '@mdp/transport';
import { LiquidationDetectionService } from './liquidation-detection.service';

/** Liquidations from the stream (group liquidation-detector) into the detector. */
@Controller()
export class LiquidationHandler {
  constructor(private readonly detection: LiquidationDetectionService) {}

  @OnStream(LiquidationStream, { batch: true })
  onLiquidations(@Payload() batch: LiquidationMessage[], @Ctx() _context: StreamContext): void {
    this.detection.onLiquidations(batch);
  }
}
