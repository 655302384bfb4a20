import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  WarmStoreMaintenanceRepository,
  describeWarmStoreMode,
  isTransientDatabaseError,
} from '@mdp/data-access-warm-store';
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

  /**
   * A database that is down at start-up does not stop the writer (its handlers hold the streams until
   * it answers; the mode is logged once it does); one that is not migrated does.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.logMode();
    } catch (error) {
      if (!isTransientDatabaseError(error)) throw error;
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'warm store unavailable at start-up; holding the streams until it answers',
      );
    }
    if (this.config.WARM_MAINTENANCE_INTERVAL_MS > 0) {
      this.timer = setInterval(() => {
        this.running ??= this.runOnce().finally(() => (this.running = null));
      }, this.config.WARM_MAINTENANCE_INTERVAL_MS);
      this.timer.unref();
    }
  }

  private logged = false;

  private async logMode(): Promise<void> {
    const mode = await this.maintenance.currentMode();
    if (!this.logged) this.logger.info({ mode }, describeWarmStoreMode(mode));
    this.logged = true;
  }

  /** One round of upkeep; in TimescaleDB mode only the mode check (the extension's jobs do the rest). */
  async runOnce(): Promise<void> {
    try {
      await this.logMode();
      const result = await this.maintenance.maintain();
      if (result.actions.length > 0)
        this.logger.info({ actions: result.actions }, 'warm store partitions maintained');
      this.logger.debug({ viewsRefreshed: result.viewsRefreshed }, 'candle views refreshed');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isTransientDatabaseError(error))
        this.logger.warn({ error: message }, 'warm store maintenance skipped: database unavailable');
      else this.logger.error({ error: message }, 'warm store maintenance failed');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
