import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { LiquidationStream, type LiquidationMessage } from '@mdp/schemas';
import { LiquidationRepository } from '@mdp/data-access-warm-store';
import { OnStream, StreamContext } from '@mdp/transport';
import { WRITER_LOGGER, type WriterLogger } from './writer-logger';
import { holdOnOutage } from './hold-on-outage.util';
import { writerRows } from './writer-metrics';

/** Accepted liquidations into the liquidations table; a redelivered one is skipped by its key. */
@Controller()
export class LiquidationWriterHandler {
  constructor(
    private readonly liquidations: LiquidationRepository,
    @Inject(WRITER_LOGGER) private readonly logger: WriterLogger,
  ) {}

  @OnStream(LiquidationStream, { batch: true })
  async onLiquidations(@Payload() batch: LiquidationMessage[], @Ctx() context: StreamContext): Promise<void> {
    const written = await holdOnOutage('liquidations', () => this.liquidations.insert(batch));
    writerRows.inc({ table: 'liquidations', outcome: 'written' }, written);
    writerRows.inc({ table: 'liquidations', outcome: 'duplicate' }, batch.length - written);
    this.logger.debug(
      { stream: context.getStream(), received: batch.length, written },
      'liquidations written',
    );
  }
}
