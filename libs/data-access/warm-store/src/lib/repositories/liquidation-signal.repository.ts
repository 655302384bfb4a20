import type { Pool } from 'pg';
import type { LiquidationSignalMessage } from '@mdp/schemas';
import { BulkTable, type BulkWriteOptions } from '../bulk/bulk-table';

/** Writes liquidation signals; one already stored (same signalId and time) is skipped. */
export class LiquidationSignalRepository {
  /** The table's bulk writer; its SQL runs on any PostgreSQL client (the TimescaleDB tests use it). */
  static readonly table = new BulkTable<LiquidationSignalMessage>(
    'liquidation_signals',
    [
      { name: 'time', type: 'timestamptz', value: (s) => s.ts },
      { name: 'signal_id', type: 'text', value: (s) => s.signalId },
      { name: 'symbol', type: 'text', value: (s) => s.symbol },
      { name: 'side', type: 'text', value: (s) => s.side },
      { name: 'entry_reason', type: 'text', value: (s) => s.entryReason },
      { name: 'vwap', type: 'float8', value: (s) => s.vwap },
      { name: 'vwap_deviation', type: 'float8', value: (s) => s.vwapDeviation },
      { name: 'liquidation_size', type: 'float8', value: (s) => s.liquidationSize },
      { name: 'liquidation_event_id', type: 'text', value: (s) => s.liquidationEventId },
      { name: 'price', type: 'float8', value: (s) => s.price },
    ],
    'ON CONFLICT DO NOTHING',
  );

  constructor(
    private readonly pool: Pool,
    private readonly options: BulkWriteOptions = { method: 'copy' },
  ) {}

  insert(signals: readonly LiquidationSignalMessage[]): Promise<number> {
    if (signals.length === 0) return Promise.resolve(0);
    return LiquidationSignalRepository.table.writePooled(this.pool, signals, this.options);
  }
}
