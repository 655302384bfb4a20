import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { LiquidationSignalStream, type LiquidationSignalMessage } from '@mdp/schemas';
import { LiquidationSignalRepository } from '@mdp/data-access-warm-store';
import { OnStream, StreamContext } from '@mdp/transport';
import { WRITER_LOGGER, type WriterLogger } from './writer-logger';
import { holdOnOutage } from './hold-on-outage.util';
import { writerRows } from './writer-metrics';

/** Liquidation signals into liquidation_signals; a redelivered one is skipped by its key. */
@Controller()
export class SignalWriterHandler {
  constructor(
    private readonly signals: LiquidationSignalRepository,
    @Inject(WRITER_LOGGER) private readonly logger: WriterLogger,
  ) {}

  @OnStream(LiquidationSignalStream, { batch: true })
  async onSignals(
    @Payload() batch: LiquidationSignalMessage[],
    @Ctx() context: StreamContext,
  ): Promise<void> {
    const written = await holdOnOutage('liquidation signals', () => this.signals.insert(batch));
    writerRows.inc({ table: 'liquidation_signals', outcome: 'written' }, written);
    writerRows.inc({ table: 'liquidation_signals', outcome: 'duplicate' }, batch.length - written);
    this.logger.debug({ stream: context.getStream(), received: batch.length, written }, 'signals written');
  }
}
