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
  async onLiquidations(
    @Payload() batch: LiquidationMessage[],
    @Ctx() _context: StreamContext,
  ): Promise<void> {
    this.detection.onLiquidations(batch);
    // Acknowledged only once stored (LIQUIDATION_ACK_AFTER_STORE): a crash loses no accepted one.
    await this.detection.stored();
  }
}
