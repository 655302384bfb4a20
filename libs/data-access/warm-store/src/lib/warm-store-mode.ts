import type { SqlSession } from './sql/sql-session';

/**
 * `timescaledb`: hypertables, native compression, continuous aggregates (production).
 * `postgres`: plain PostgreSQL 15 without the extension (dev and CI): native range partitions and
 * materialized views that the writer refreshes.
 */
export type WarmStoreMode = 'timescaledb' | 'postgres';
export const WARM_STORE_MODES = ['timescaledb', 'postgres'] as const;

/** The mode a database supports: TimescaleDB when the extension is installed or can be created. */
export async function detectWarmStoreMode(session: SqlSession): Promise<WarmStoreMode> {
  const { rows } = await session.query<{ installed: boolean; available: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
  );
  const row = rows[0];
  return row && (row.installed || row.available) ? 'timescaledb' : 'postgres';
}

/** The one log line that says which mode is active. */
export function describeWarmStoreMode(mode: WarmStoreMode): string {
  return mode === 'timescaledb'
    ? 'warm store mode: TimescaleDB (hypertables, native compression after 24 h, continuous aggregates and retention policies run by TimescaleDB jobs)'
    : 'warm store mode: plain PostgreSQL, TimescaleDB extension not available (monthly range partitions, retention by dropping partitions, candle materialized views refreshed by the warm writer)';
}
