import type { Pool } from 'pg';
import { PgClientSession } from '../sql/pg-client.session';
import { withPooledClient } from '../sql/with-pooled-client';
import { detectInstalledMode } from '../installed-mode';
import type { WarmStoreMode } from '../warm-store-mode';

export interface MaintenanceResult {
  mode: WarmStoreMode;
  /** What the plain-PostgreSQL upkeep did (partitions created or dropped, rows expired). */
  actions: Array<{ action: string; target: string }>;
  /** Candle views refreshed (plain PostgreSQL mode). */
  viewsRefreshed: number;
}

/**
 * Upkeep the plain-PostgreSQL mode needs from the writer: monthly partitions ahead of time,
 * retention, and refreshing the candle materialized views. In TimescaleDB mode the extension's own
 * jobs do all of this and these calls do nothing.
 */
export class WarmStoreMaintenanceRepository {
  private mode: WarmStoreMode | null = null;

  constructor(private readonly pool: Pool) {}

  async currentMode(): Promise<WarmStoreMode> {
    this.mode ??= await withPooledClient(this.pool, (client) =>
      detectInstalledMode(new PgClientSession(client)),
    );
    return this.mode;
  }

  async maintain(now = new Date()): Promise<MaintenanceResult> {
    const mode = await this.currentMode();
    if (mode === 'timescaledb') return { mode, actions: [], viewsRefreshed: 0 };
    return withPooledClient(this.pool, async (client) => {
      const actions = await client.query<{ action: string; target: string }>(
        'SELECT action, target FROM warm_store_maintain($1)',
        [now],
      );
      const refreshed = await client.query<{ n: number }>('SELECT warm_refresh_candle_views() AS n');
      return { mode, actions: actions.rows, viewsRefreshed: refreshed.rows[0]?.n ?? 0 };
    });
  }

  /** Refreshes the candle views only (plain PostgreSQL mode); returns how many were refreshed. */
  async refreshCandleViews(): Promise<number> {
    if ((await this.currentMode()) === 'timescaledb') return 0;
    return withPooledClient(this.pool, async (client) => {
      const refreshed = await client.query<{ n: number }>('SELECT warm_refresh_candle_views() AS n');
      return refreshed.rows[0]?.n ?? 0;
    });
  }
}
