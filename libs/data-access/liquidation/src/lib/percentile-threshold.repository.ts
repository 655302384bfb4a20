import type { RedisClient } from '@mdp/platform';
import { percentileThresholdsKey } from './liquidation-keys';

/** A symbol's percentile filter as the detector last published it. */
export interface PercentileThreshold {
  symbol: string;
  /** The configured percentile (PERCENTILE_THRESHOLD, 0-100). */
  percentile: number;
  /** Its current value (USD notional) over the rolling window, or null with no data yet. */
  threshold: number | null;
  /** Liquidations in the rolling window. */
  samples: number;
  /** Liquidations needed before the filter applies (PERCENTILE_MIN_SAMPLES). */
  minSamples: number;
  /** Whether the filter is enabled and has enough samples, i.e. whether `threshold` filters right now. */
  applies: boolean;
  /** When the detector published this, epoch ms. */
  updatedAt: number;
}

/**
 * `liquidation-detector:{liquidation-detector}:percentiles`: the detector's current percentile
 * thresholds per symbol (the seed's get_percentile_threshold), for the gateway and the dashboard.
 */
export class PercentileThresholdRepository {
  constructor(private readonly redis: RedisClient) {}

  /** Writes the thresholds (one HSET) and refreshes the hash's TTL. */
  async write(thresholds: readonly PercentileThreshold[], ttlSeconds: number): Promise<void> {
    if (thresholds.length === 0) return;
    const key = percentileThresholdsKey();
    const fields: Record<string, string> = {};
    for (const threshold of thresholds) fields[threshold.symbol] = JSON.stringify(threshold);
    const replies = await this.redis.multi().hset(key, fields).expire(key, ttlSeconds).exec();
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  /** The stored JSON of one symbol's threshold, or null when the detector has not published one. */
  oneJson(symbol: string): Promise<string | null> {
    return this.redis.hget(percentileThresholdsKey(), symbol);
  }

  /** Every symbol's stored JSON, ordered by symbol. */
  async allJson(): Promise<string[]> {
    const hash = await this.redis.hgetall(percentileThresholdsKey());
    return Object.keys(hash)
      .sort()
      .map((symbol) => hash[symbol]!);
  }
}
