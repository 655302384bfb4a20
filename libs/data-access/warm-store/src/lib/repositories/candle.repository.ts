import type { Pool } from 'pg';
import type { CandleMessage } from '@mdp/schemas';
import { BulkTable, type BulkWriteOptions } from '../bulk/bulk-table';

/** Writes closed 1m candles to candles_1m; a candle already stored (same symbol, exchange, time) is skipped. */
export class CandleRepository {
  /** The table's bulk writer; its SQL runs on any PostgreSQL client (the TimescaleDB tests use it). */
  static readonly table = new BulkTable<CandleMessage>(
    'candles_1m',
    [
      { name: 'time', type: 'timestamptz', value: (c) => c.openTime },
      { name: 'symbol', type: 'text', value: (c) => c.symbol },
      { name: 'exchange', type: 'text', value: (c) => c.exchange },
      { name: 'open', type: 'float8', value: (c) => c.open },
      { name: 'high', type: 'float8', value: (c) => c.high },
      { name: 'low', type: 'float8', value: (c) => c.low },
      { name: 'close', type: 'float8', value: (c) => c.close },
      { name: 'volume', type: 'float8', value: (c) => c.volume },
      { name: 'notional_usd', type: 'float8', value: (c) => c.notionalUsd },
      { name: 'trades', type: 'int4', value: (c) => c.trades },
    ],
    'ON CONFLICT DO NOTHING',
  );

  constructor(
    private readonly pool: Pool,
    private readonly options: BulkWriteOptions = { method: 'copy' },
  ) {}

  /** Inserts the candles (callers pass closed 1m candles only); returns how many were new. */
  insert(candles: readonly CandleMessage[]): Promise<number> {
    if (candles.length === 0) return Promise.resolve(0);
    return CandleRepository.table.writePooled(this.pool, candles, this.options);
  }
}
