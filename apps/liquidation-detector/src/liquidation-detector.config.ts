import { IsBoolean, IsInt, IsNumber, Matches, Max, Min, ValidateBy } from 'class-validator';
import { Describe } from '@mdp/platform';
import { StreamConsumerConfig } from '@mdp/transport';

/**
 * Settings of the liquidation detector. The seed 001 names are kept (ENABLE_PERCENTILE_FILTER,
 * PERCENTILE_THRESHOLD, MIN_LIQUIDATION_SIZE_*, VWAP_ENABLED, *_VWAP_OFFSET, REDIS_MAX_MEMORY);
 * the rest make the seed's constants (batch size 50, 100 ms, cleanup every 5 min) configurable.
 * Types are written out: the loader converts by the declared type.
 */
export class LiquidationDetectorConfig extends StreamConsumerConfig {
  @Describe('Minimum liquidation notional (USD) for BTC')
  @IsNumber()
  @Min(0)
  MIN_LIQUIDATION_SIZE_BTC: number = 10_000;

  @Describe('Minimum liquidation notional (USD) for ETH')
  @IsNumber()
  @Min(0)
  MIN_LIQUIDATION_SIZE_ETH: number = 5_000;

  @Describe('Minimum liquidation notional (USD) for every other base asset')
  @IsNumber()
  @Min(0)
  MIN_LIQUIDATION_SIZE_DEFAULT: number = 1_000;

  @Describe(
    'Filter out liquidations below PERCENTILE_THRESHOLD of their symbol over the last PERCENTILE_WINDOW_HOURS',
  )
  @IsBoolean()
  ENABLE_PERCENTILE_FILTER: boolean = true;

  @Describe("Percentile (0-100) of the symbol's rolling notional distribution a liquidation must reach")
  @IsNumber()
  @Min(0)
  @Max(100)
  PERCENTILE_THRESHOLD: number = 80;

  @Describe('Rolling window of the percentile distribution, hours (kept as hourly DDSketch slices)')
  @IsInt()
  @Min(1)
  @Max(168)
  PERCENTILE_WINDOW_HOURS: number = 24;

  @Describe('Liquidations a symbol needs in the window before the percentile filter applies')
  @IsInt()
  @Min(0)
  PERCENTILE_MIN_SAMPLES: number = 100;

  @Describe('Relative value accuracy of the quantile sketch (0.005 = 0.5 %)')
  @IsNumber()
  @Min(0.0001)
  @Max(0.1)
  PERCENTILE_RELATIVE_ACCURACY: number = 0.005;

  @Describe('Raise signals from liquidations far from the rolling VWAP of the trade flow')
  @IsBoolean()
  VWAP_ENABLED: boolean = true;

  @Describe(
    'Percent below VWAP a forced sell (long liquidated) must print at for a buy signal (liquidation_long)',
  )
  @IsNumber()
  @Min(0)
  LONG_VWAP_OFFSET: number = 2.0;

  @Describe(
    'Percent above VWAP a forced buy (short liquidated) must print at for a sell signal (liquidation_short)',
  )
  @IsNumber()
  @Min(0)
  SHORT_VWAP_OFFSET: number = 2.0;

  @Describe('Rolling VWAP window, seconds (a multiple of VWAP_BUCKET_SECONDS)')
  @IsInt()
  @Min(1)
  VWAP_WINDOW_SECONDS: number = 3_600;

  @Describe('VWAP bucket width, seconds: the window moves in these steps')
  @IsInt()
  @Min(1)
  VWAP_BUCKET_SECONDS: number = 10;

  @Describe('How long signal:active:<SYMBOL> lives, seconds')
  @IsInt()
  @Min(1)
  SIGNAL_TTL_SECONDS: number = 300;

  @Describe('Accepted liquidations written to Redis per batch (seed: 50)')
  @IsInt()
  @Min(1)
  @Max(10_000)
  LIQUIDATION_BATCH_SIZE: number = 50;

  @Describe('Longest an accepted liquidation waits for its batch to fill, ms (seed: 100)')
  @IsInt()
  @Min(1)
  LIQUIDATION_BATCH_TIMEOUT_MS: number = 100;

  @Describe(
    'Acknowledge a stream batch only once its accepted liquidations are stored in Redis (written at the end of the batch, not after the timeout), so a crash loses none; false: acknowledged when accepted, stored by size or timeout',
  )
  @IsBoolean()
  LIQUIDATION_ACK_AFTER_STORE: boolean = true;

  @Describe(
    'Most accepted liquidations plus signals held in memory while Redis refuses writes; beyond it the consumer holds the stream (nothing is dropped)',
  )
  @IsInt()
  @Min(100)
  LOCAL_BUFFER_MAX_EVENTS: number = 100_000;

  @Describe('Redis memory limit used when the server reports maxmemory 0 (seed: 240mb); units b, kb, mb, gb')
  @Matches(/^\d+(b|kb|mb|gb)?$/i, { message: '$property must be a size such as 240mb' })
  REDIS_MAX_MEMORY: string = '240mb';

  @Describe('How often Redis memory is read and the storage mode decided, ms')
  @IsInt()
  @Min(50)
  MEMORY_CHECK_INTERVAL_MS: number = 5_000;

  @Describe('Memory use (percent of maxmemory) at which storage goes to reduced mode')
  @IsNumber()
  @Min(1)
  @Max(100)
  MEMORY_REDUCED_PCT: number = 75;

  @Describe(
    'Memory use (percent) at which storage goes to critical mode (accepted liquidations held locally)',
  )
  @IsNumber()
  @Min(1)
  @Max(100)
  MEMORY_CRITICAL_PCT: number = 85;

  @Describe('Points below a threshold memory use must fall before a mode is left downwards')
  @IsNumber()
  @Min(0)
  @Max(50)
  MEMORY_HYSTERESIS_PCT: number = 5;

  @Describe('Memory use (percent) above which an error-level alert is logged on every check')
  @IsNumber()
  @Min(1)
  @Max(100)
  MEMORY_ALERT_PCT: number = 90;

  @Describe('Scheduled cleanup of stored liquidations, ms (seed: every 5 minutes)')
  @IsInt()
  @Min(100)
  CLEANUP_INTERVAL_MS: number = 300_000;

  @Describe('Retention of stored liquidations in normal mode, hours')
  @IsInt()
  @Min(1)
  LIQUIDATION_RETENTION_HOURS: number = 24;

  @Describe('Retention in reduced/critical mode and after an aggressive cleanup, minutes')
  @IsInt()
  @Min(1)
  REDUCED_RETENTION_MINUTES: number = 60;

  @Describe('Most stored liquidations per symbol after an aggressive cleanup')
  @IsInt()
  @Min(1)
  AGGRESSIVE_MAX_EVENTS_PER_SYMBOL: number = 1_000;

  @Describe('How often the service logs its memory, mode and counters, ms (seed: every minute)')
  @IsInt()
  @Min(100)
  MONITOR_INTERVAL_MS: number = 60_000;

  @Describe(
    'How often the counters (processed, filtered, stored, memory_rejections, signals) are added to Redis, ms',
  )
  @IsInt()
  @Min(10)
  COUNTERS_FLUSH_MS: number = 1_000;

  @Describe(
    "This replica's number (0-based; on Kubernetes the StatefulSet pod index). Replica 0 reads in consumer group liquidation-detector, replica k in liquidation-detector-<k>; one process per number",
  )
  @IsInt()
  @Min(0)
  @Max(1023)
  DETECTOR_REPLICA: number = 0;

  @Describe(
    'Fixed number of partitions the symbols are hashed into; the live replicas share them and hand them over with checkpoints when their number changes',
  )
  @IsInt()
  @Min(1)
  @Max(1024)
  DETECTOR_PARTITIONS: number = 16;

  @Describe(
    'How often (ms) a replica renews its membership and partition leases and rebalances the partitions',
  )
  @IsInt()
  @Min(20)
  @Max(60_000)
  DETECTOR_HEARTBEAT_MS: number = 1_000;

  @Describe(
    'Membership and partition lease time (ms): a replica silent this long is presumed dead and its partitions are taken over from their checkpoints; at least 3 x DETECTOR_HEARTBEAT_MS',
  )
  @IsInt()
  @ValidateBy({
    name: 'leaseAboveHeartbeats',
    validator: {
      validate: (value: unknown, args) =>
        typeof value === 'number' &&
        value >= 3 * (args?.object as LiquidationDetectorConfig).DETECTOR_HEARTBEAT_MS,
      defaultMessage: (args) =>
        `$property must be at least 3 x DETECTOR_HEARTBEAT_MS (${String(3 * (args?.object as LiquidationDetectorConfig).DETECTOR_HEARTBEAT_MS)})`,
    },
  })
  DETECTOR_LEASE_MS: number = 10_000;

  @Describe(
    "How often (ms) each held partition's state is checkpointed (when it changed) and the stream entries it covers acknowledged",
  )
  @IsInt()
  @Min(10)
  @Max(600_000)
  DETECTOR_CHECKPOINT_INTERVAL_MS: number = 1_000;
}
