import type { Pool } from 'pg';
import type { FlowSnapshotNoticeMessage } from '@mdp/schemas';
import { BulkTable, type BulkWriteOptions } from '../bulk/bulk-table';

/** A flow snapshot notice with the snapshot JSON read from Redis (null when the key had expired). */
export interface FlowSnapshotRecord {
  notice: FlowSnapshotNoticeMessage;
  json: string | null;
}

/**
 * Keeps one row per (coin, window, window start). A later snapshot of an open window replaces the
 * earlier one, a final one is never replaced, and a snapshot with data fills a row recorded as
 * expired; a redelivered notice changes nothing.
 */
export class FlowSnapshotRepository {
  /** The table's bulk writer; its SQL runs on any PostgreSQL client (the TimescaleDB tests use it). */
  static readonly table = new BulkTable<FlowSnapshotRecord>(
    'flow_snapshots',
    [
      { name: 'time', type: 'timestamptz', value: (r) => r.notice.timestamp },
      { name: 'coin', type: 'text', value: (r) => r.notice.coin },
      { name: 'time_window', type: 'text', value: (r) => r.notice.timeWindow },
      { name: 'redis_key', type: 'text', value: (r) => r.notice.key },
      { name: 'final', type: 'bool', value: (r) => r.notice.final },
      { name: 'total_trades', type: 'int4', value: (r) => r.notice.totalTrades },
      { name: 'net_flow', type: 'float8', value: (r) => r.notice.netFlow },
      { name: 'written_at', type: 'timestamptz', value: (r) => r.notice.writtenAt },
      { name: 'data', type: 'jsonb', value: (r) => r.json },
    ],
    `ON CONFLICT (coin, time_window, time) DO UPDATE SET
       redis_key = EXCLUDED.redis_key, final = EXCLUDED.final, total_trades = EXCLUDED.total_trades,
       net_flow = EXCLUDED.net_flow, written_at = EXCLUDED.written_at, data = EXCLUDED.data, stored_at = now()
     WHERE EXCLUDED.data IS NOT NULL
       AND (target.data IS NULL OR (NOT target.final AND EXCLUDED.written_at > target.written_at))`,
  );

  constructor(
    private readonly pool: Pool,
    private readonly options: BulkWriteOptions = { method: 'copy' },
  ) {}

  /** Upserts the snapshots; returns how many rows were inserted or replaced. */
  upsert(records: readonly FlowSnapshotRecord[]): Promise<number> {
    const latest = FlowSnapshotRepository.latestPerWindow(records);
    if (latest.length === 0) return Promise.resolve(0);
    return FlowSnapshotRepository.table.writePooled(this.pool, latest, this.options);
  }

  /** One record per window (an upsert may touch a row once per statement): the final one, else the newest. */
  static latestPerWindow(records: readonly FlowSnapshotRecord[]): FlowSnapshotRecord[] {
    const byWindow = new Map<string, FlowSnapshotRecord>();
    for (const record of records) {
      const id = `${record.notice.coin}\u0000${record.notice.timeWindow}\u0000${record.notice.timestamp}`;
      const current = byWindow.get(id);
      if (!current || FlowSnapshotRepository.rank(record) > FlowSnapshotRepository.rank(current))
        byWindow.set(id, record);
    }
    return [...byWindow.values()];
  }

  private static rank(record: FlowSnapshotRecord): number {
    return (
      (record.json === null ? 0 : 2 ** 52) + (record.notice.final ? 2 ** 51 : 0) + record.notice.writtenAt
    );
  }
}
