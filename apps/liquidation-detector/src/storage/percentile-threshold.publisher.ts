import type { PercentileFilter } from '@mdp/domain-liquidation';
import type { PercentileThreshold, PercentileThresholdRepository } from '@mdp/data-access-liquidation';
import type { Logger } from '@mdp/platform';

/**
 * Publishes every symbol's current percentile-filter threshold (the seed's get_percentile_threshold)
 * to Redis every `intervalMs`, for the gateway and the dashboard. The hash lives 3 intervals (at
 * least 60 s), so it disappears when the detector stops. A failed write is retried at the next tick.
 */
export class PercentileThresholdPublisher {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly filter: PercentileFilter,
    private readonly repository: PercentileThresholdRepository,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  get ttlSeconds(): number {
    return Math.max(60, Math.ceil((3 * this.intervalMs) / 1000));
  }

  start(): void {
    this.timer ??= setInterval(() => void this.publish(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The thresholds as they are now. */
  current(now = Date.now()): PercentileThreshold[] {
    const { enabled, percentile, minSamples } = this.filter.settings;
    return this.filter.symbols().map((symbol) => {
      const samples = this.filter.sampleCount(symbol);
      const value = this.filter.percentileOf(symbol, percentile);
      return {
        symbol,
        percentile,
        threshold: value ?? null,
        samples,
        minSamples,
        applies: enabled && samples >= minSamples && value !== undefined,
        updatedAt: now,
      };
    });
  }

  async publish(now = Date.now()): Promise<void> {
    try {
      await this.repository.write(this.current(now), this.ttlSeconds);
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'percentile thresholds not published; retried at the next tick',
      );
    }
  }
}
