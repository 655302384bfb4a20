import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CandleStream, type CandleMessage } from '@mdp/schemas';
import { CandleRepository } from '@mdp/data-access-warm-store';
import { OnStream, StreamContext } from '@mdp/transport';
import { WRITER_LOGGER, type WriterLogger } from './writer-logger';
import { holdOnOutage } from './hold-on-outage.util';
import { writerRows } from './writer-metrics';

/**
 * Closed 1m candles into candles_1m. Open candles and larger timeframes are skipped: the larger
 * timeframes are aggregates of the 1m table in the warm store.
 */
@Controller()
export class CandleWriterHandler {
  constructor(
    private readonly candles: CandleRepository,
    @Inject(WRITER_LOGGER) private readonly logger: WriterLogger,
  ) {}

  @OnStream(CandleStream, { batch: true })
  async onCandles(@Payload() batch: CandleMessage[], @Ctx() context: StreamContext): Promise<void> {
    const closed = batch.filter((candle) => candle.closed && candle.timeframe === '1m');
    const written = await holdOnOutage('candles', () => this.candles.insert(closed));
    writerRows.inc({ table: 'candles_1m', outcome: 'written' }, written);
    writerRows.inc({ table: 'candles_1m', outcome: 'duplicate' }, closed.length - written);
    writerRows.inc({ table: 'candles_1m', outcome: 'skipped' }, batch.length - closed.length);
    this.logger.debug(
      { stream: context.getStream(), received: batch.length, closed: closed.length, written },
      'candles written',
    );
  }
}
