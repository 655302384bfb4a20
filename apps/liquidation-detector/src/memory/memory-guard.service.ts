import { nextStorageMode, type StorageMode, type StorageModeThresholds } from '@mdp/domain-liquidation';
import type {
  DetectorStateRepository,
  LiquidationStoreRepository,
  RedisMemoryReading,
} from '@mdp/data-access-liquidation';
import type { Logger } from '@mdp/platform';
import type { LiquidationBatchWriter } from '../storage/liquidation-batch.writer';
import type { DetectorCounterBuffer } from '../storage/detector-counter.buffer';

export interface MemoryGuardOptions extends StorageModeThresholds {
  checkIntervalMs: number;
  cleanupIntervalMs: number;
  monitorIntervalMs: number;
  /** Used as the limit when the server has no maxmemory. */
  fallbackMaxBytes: number;
}

/**
 * The seed's memory circuit breaker, cleanup task and monitor task: reads INFO memory every
 * MEMORY_CHECK_INTERVAL_MS, moves the storage mode (normal / reduced / critical, both ways, with
 * hysteresis), runs an aggressive cleanup at once while not normal, logs an error-level alert above
 * MEMORY_ALERT_PCT, and publishes its reading in Redis for the gateway and the dashboard. The
 * scheduled cleanup runs every CLEANUP_INTERVAL_MS (aggressive when memory is under pressure).
 */
export class MemoryGuard {
  private storageMode: StorageMode = 'normal';
  private last: RedisMemoryReading | null = null;
  private timers: NodeJS.Timeout[] = [];
  private checking: Promise<void> | null = null;
  readonly transitions: Array<{ from: StorageMode; to: StorageMode; usedPct: number }> = [];

  constructor(
    private readonly state: DetectorStateRepository,
    private readonly store: LiquidationStoreRepository,
    private readonly writer: LiquidationBatchWriter,
    private readonly counters: DetectorCounterBuffer,
    private readonly logger: Logger,
    private readonly options: MemoryGuardOptions,
  ) {}

  get mode(): StorageMode {
    return this.storageMode;
  }

  get lastReading(): RedisMemoryReading | null {
    return this.last;
  }

  start(): void {
    const every = (ms: number, task: () => Promise<unknown>) => {
      const timer = setInterval(() => void task().catch(() => undefined), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.checkIntervalMs, () => this.check());
    every(this.options.cleanupIntervalMs, () => this.cleanup(this.storageMode !== 'normal'));
    every(this.options.monitorIntervalMs, () => Promise.resolve(this.monitor()));
    void this.check();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** One reading and decision; safe to call at any time (tests call it directly). */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  /** Removes stored liquidations past retention; `aggressive` trims to the reduced retention and per-symbol cap. */
  async cleanup(aggressive: boolean): Promise<number> {
    try {
      const removed = await this.store.cleanup({ mode: this.storageMode, aggressive });
      this.logger.info({ removed, aggressive, mode: this.storageMode }, 'liquidation cleanup');
      return removed;
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'liquidation cleanup failed',
      );
      return 0;
    }
  }

  private async runCheck(): Promise<void> {
    let reading: RedisMemoryReading;
    try {
      reading = await this.state.readMemory(this.options.fallbackMaxBytes);
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'Redis memory not readable; storage mode kept',
      );
      return;
    }
    this.last = reading;
    const decision = nextStorageMode(this.storageMode, reading.usedPct, this.options);
    if (decision.changed) {
      const from = this.storageMode;
      this.storageMode = decision.mode;
      this.transitions.push({ from, to: decision.mode, usedPct: reading.usedPct });
      this.writer.setMode(decision.mode);
      this.logger.warn(
        {
          from,
          to: decision.mode,
          usedPct: round(reading.usedPct),
          usedBytes: reading.usedBytes,
          maxBytes: reading.maxBytes,
        },
        'storage mode changed',
      );
    }
    if (decision.alert) {
      this.logger.error(
        {
          usedPct: round(reading.usedPct),
          usedBytes: reading.usedBytes,
          maxBytes: reading.maxBytes,
          evictedKeys: reading.evictedKeys,
          mode: this.storageMode,
        },
        `CRITICAL: Redis memory usage above ${this.options.alertAtPct}%`,
      );
    }
    if (this.storageMode !== 'normal') await this.cleanup(true);
    await this.state
      .writeStorageState(
        { ...reading, mode: this.storageMode, updatedAt: Date.now() },
        Math.max(30, Math.ceil((3 * this.options.checkIntervalMs) / 1000)),
      )
      .catch(() => undefined);
  }

  private monitor(): void {
    const reading = this.last;
    this.logger.info(
      {
        memory: reading
          ? {
              usedMb: round(reading.usedBytes / 1048576),
              usedPct: round(reading.usedPct),
              evictedKeys: reading.evictedKeys,
            }
          : null,
        storageMode: this.storageMode,
        buffered: this.writer.buffered,
        stats: this.counters.totals,
      },
      'liquidation detector monitor',
    );
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
