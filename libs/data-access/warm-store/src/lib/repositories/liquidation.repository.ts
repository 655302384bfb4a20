import type { Pool } from 'pg';
import type { LiquidationMessage } from '@mdp/schemas';
import { BulkTable, type BulkWriteOptions } from '../bulk/bulk-table';

/** Writes accepted liquidations; one already stored (same eventId and time) is skipped. */
export class LiquidationRepository {
  /** The table's bulk writer; its SQL runs on any PostgreSQL client (the TimescaleDB tests use it). */
  static readonly table = new BulkTable<LiquidationMessage>(
    'liquidations',
    [
      { name: 'time', type: 'timestamptz', value: (l) => l.ts },
      { name: 'event_id', type: 'text', value: (l) => l.eventId },
      { name: 'exchange', type: 'text', value: (l) => l.exchange },
      { name: 'market', type: 'text', value: (l) => l.market },
      { name: 'symbol', type: 'text', value: (l) => l.symbol },
      { name: 'base', type: 'text', value: (l) => l.base },
      { name: 'quote', type: 'text', value: (l) => l.quote },
      { name: 'venue_symbol', type: 'text', value: (l) => l.venueSymbol },
      { name: 'position_side', type: 'text', value: (l) => l.positionSide },
      { name: 'order_side', type: 'text', value: (l) => l.orderSide },
      { name: 'price', type: 'float8', value: (l) => l.price },
      { name: 'price_kind', type: 'text', value: (l) => l.priceKind },
      { name: 'size', type: 'float8', value: (l) => l.size },
      { name: 'notional_usd', type: 'float8', value: (l) => l.notionalUsd },
      { name: 'completeness', type: 'text', value: (l) => l.completeness },
      { name: 'backfill', type: 'bool', value: (l) => l.backfill ?? false },
      { name: 'recv_time', type: 'timestamptz', value: (l) => l.recvTs },
    ],
    'ON CONFLICT DO NOTHING',
  );

  constructor(
    private readonly pool: Pool,
    private readonly options: BulkWriteOptions = { method: 'copy' },
  ) {}

  insert(liquidations: readonly LiquidationMessage[]): Promise<number> {
    if (liquidations.length === 0) return Promise.resolve(0);
    return LiquidationRepository.table.writePooled(this.pool, liquidations, this.options);
  }
}
