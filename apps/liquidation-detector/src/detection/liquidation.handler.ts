import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { LiquidationStream, type LiquidationMessage } from '@mdp/schemas';
import { OnStream, StreamContext } from '@mdp/transport';
import { LiquidationDetectionService } from './liquidation-detection.service';

/** Liquidations from the stream (this replica's group) into the detector; acknowledged after the checkpoint covering them. */
@Controller()
export class LiquidationHandler {
  constructor(private readonly detection: LiquidationDetectionService) {}

  @OnStream(LiquidationStream, { batch: true, ack: 'deferred' })
  async onLiquidations(@Payload() batch: LiquidationMessage[], @Ctx() context: StreamContext): Promise<void> {
    while (!this.detection.joined || this.detection.catchingUp) await this.detection.idle();
    // Acknowledged after the checkpoint covering it (PartitionCoordinator), once stored.
    this.detection.onLiquidations(batch, {
      stream: context.getStream(),
      ids: context.getEntryIds(),
      counts: context.getEntryEventCounts(),
    });
    // LIQUIDATION_ACK_AFTER_STORE: the batch's accepted liquidations are written now, not at their timeout.
    await this.detection.stored();
  }
}
