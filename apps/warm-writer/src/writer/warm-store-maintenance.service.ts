import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WarmStoreMaintenanceRepository, describeWarmStoreMode, isTransientDatabaseError } from '@mdp/data-access-warm-store';
import { WarmWriterConfig } from '../warm-writer.config';
import { WRITER_LOGGER, type WriterLogger } from './writer-logger';

/**
 * Logs the active warm-store mode once at startup and, in plain-PostgreSQL mode, runs the upkeep
 * TimescaleDB would do itself: partitions ahead of time, retention, candle view refreshes.
 */
@Injectable()
export class WarmStoreMaintenanceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly maintenance: WarmStoreMaintenanceRepository,
    private readonly config: WarmWriterConfig,
    @Inject(WRITER_LOGGER) private readonly logger: WriterLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const mode = await this.maintenance.currentMode();
    this.logger.info({ mode }, describeWarmStoreMode(mode));
    if (mode === 'postgres' && this.config.WARM_MAINTENANCE_INTERVAL_MS > 0) {
      this.timer = setInterval(() => {
        this.running ??= this.runOnce().finally(() => (this.running = null));
      }, this.config.WARM_MAINTENANCE_INTERVAL_MS);
      this.timer.unref();
    }
  }

  async runOnce(): Promise<void> {
    try {
      const result = await this.maintenance.maintain();
      if (result.actions.length > 0) this.logger.info({ actions: result.actions }, 'warm store partitions maintained');
      this.logger.debug({ viewsRefreshed: result.viewsRefreshed }, 'candle views refreshed');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isTransientDatabaseError(error)) this.logger.warn({ error: message }, 'warm store maintenance skipped: database unavailable');
      else this.logger.error({ error: message }, 'warm store maintenance failed');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
