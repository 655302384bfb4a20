import { LiquidationDetector } from '@mdp/domain-liquidation';
import {
  ActiveSignalRepository,
  DETECTOR_COUNTERS_TTL_SECONDS,
  DetectorStateRepository,
  detectorCountersKey,
  LiquidationStoreRepository,
  PercentileThresholdRepository,
} from '@mdp/data-access-liquidation';
import type { Logger, RedisClient } from '@mdp/platform';
import { LiquidationStream, TradeStream } from '@mdp/schemas';
import {
  PartitionCoordinator,
  PartitionLeaseRepository,
  StreamPublisher,
  publisherOptionsFrom,
} from '@mdp/transport';
import {
  DETECTOR_CHECKPOINT_VERSION,
  LiquidationDetectionService,
  type DetectorCheckpointBody,
} from './detection/liquidation-detection.service';
import { DETECTOR_SERVICE, DetectorPartitions } from './partitions/detector-partitions';
import type { LiquidationDetectorConfig } from './liquidation-detector.config';
import { MemoryGuard } from './memory/memory-guard.service';
import { parseMemorySize } from './memory-size.util';
import { SignalEmitter } from './signals/signal.emitter';
import { DetectorCounterBuffer } from './storage/detector-counter.buffer';
import { LiquidationBatchWriter } from './storage/liquidation-batch.writer';
import { PercentileThresholdPublisher } from './storage/percentile-threshold.publisher';

/** Every part of the detector, wired from its config (used by the Nest module, the tests and the benchmark). */
export interface DetectorComponents {
  /** This replica's number, its consumer group and the symbol -> partition rule. */
  partitions: DetectorPartitions;
  /** Membership, partition handover and checkpoints; `join()` before the consumer reads, `leave()` after it stopped. */
  coordinator: PartitionCoordinator<DetectorCheckpointBody>;
  detection: LiquidationDetectionService;
  writer: LiquidationBatchWriter;
  emitter: SignalEmitter;
  counters: DetectorCounterBuffer;
  guard: MemoryGuard;
  publisher: StreamPublisher;
  store: LiquidationStoreRepository;
  signals: ActiveSignalRepository;
  state: DetectorStateRepository;
  /** Publishes the current percentile thresholds to Redis every COUNTERS_FLUSH_MS. */
  percentiles: PercentileThresholdPublisher;
  /** Starts the timers (counters flush, memory checks, cleanup, monitor). */
  start(): void;
  /** Checkpoints and releases the partitions, stops the timers and writes everything held (liquidations, signals, counters). */
  stop(): Promise<void>;
}

/** Counts that travel with the partition checkpoints into the counters hash. */
const DETECTOR_PARTITION_COUNTERS = ['processed', 'filtered', 'stored', 'signals'] as const;

export function createDetectorComponents(
  config: LiquidationDetectorConfig,
  redis: RedisClient,
  logger: Logger,
): DetectorComponents {
  const partitions = DetectorPartitions.from(config);
  const store = new LiquidationStoreRepository(redis, {
    normalSeconds: config.LIQUIDATION_RETENTION_HOURS * 3600,
    reducedSeconds: config.REDUCED_RETENTION_MINUTES * 60,
    aggressiveMaxPerSymbol: config.AGGRESSIVE_MAX_EVENTS_PER_SYMBOL,
  });
  const signals = new ActiveSignalRepository(redis);
  const state = new DetectorStateRepository(redis);
  const publisher = new StreamPublisher(redis, { ...publisherOptionsFrom(config), logger });
  const counters = new DetectorCounterBuffer(state, logger, config.COUNTERS_FLUSH_MS);
  const writer = new LiquidationBatchWriter(store, counters, logger, {
    batchSize: config.LIQUIDATION_BATCH_SIZE,
    batchTimeoutMs: config.LIQUIDATION_BATCH_TIMEOUT_MS,
  });
  const emitter = new SignalEmitter(signals, publisher, logger, config.SIGNAL_TTL_SECONDS);
  const detector = new LiquidationDetector({
    thresholds: {
      perAsset: { BTC: config.MIN_LIQUIDATION_SIZE_BTC, ETH: config.MIN_LIQUIDATION_SIZE_ETH },
      defaultMinUsd: config.MIN_LIQUIDATION_SIZE_DEFAULT,
    },
    percentile: {
      enabled: config.ENABLE_PERCENTILE_FILTER,
      percentile: config.PERCENTILE_THRESHOLD,
      windowMs: config.PERCENTILE_WINDOW_HOURS * 3_600_000,
      minSamples: config.PERCENTILE_MIN_SAMPLES,
      relativeAccuracy: config.PERCENTILE_RELATIVE_ACCURACY,
    },
    vwapEnabled: config.VWAP_ENABLED,
    vwapWindow: { windowMs: config.VWAP_WINDOW_SECONDS * 1000, bucketMs: config.VWAP_BUCKET_SECONDS * 1000 },
    signals: { longVwapOffset: config.LONG_VWAP_OFFSET, shortVwapOffset: config.SHORT_VWAP_OFFSET },
  });
  const detection = new LiquidationDetectionService(
    detector,
    writer,
    emitter,
    counters,
    config.LOCAL_BUFFER_MAX_EVENTS,
    config.LIQUIDATION_ACK_AFTER_STORE,
    partitions,
  );
  const repository = new PartitionLeaseRepository(redis, {
    service: DETECTOR_SERVICE,
    partitions: config.DETECTOR_PARTITIONS,
    leaseMs: config.DETECTOR_LEASE_MS,
    version: DETECTOR_CHECKPOINT_VERSION,
    // processed, filtered, stored, signals: added with each partition's checkpoint (once per event).
    counters: {
      key: detectorCountersKey(),
      names: DETECTOR_PARTITION_COUNTERS,
      ttlSeconds: DETECTOR_COUNTERS_TTL_SECONDS,
    },
  });
  const coordinator = new PartitionCoordinator(partitions, repository, detection, redis, logger, {
    heartbeatMs: config.DETECTOR_HEARTBEAT_MS,
    leaseMs: config.DETECTOR_LEASE_MS,
    checkpointIntervalMs: config.DETECTOR_CHECKPOINT_INTERVAL_MS,
    groupStart: config.STREAM_GROUP_START,
    // Trades first: a taken-over partition judges the gap's liquidations against its trades' VWAP.
    streams: [TradeStream, LiquidationStream],
    replicaSetting: 'DETECTOR_REPLICA',
  });
  const percentiles = new PercentileThresholdPublisher(
    detector.percentiles,
    new PercentileThresholdRepository(redis),
    logger,
    config.COUNTERS_FLUSH_MS,
  );
  const guard = new MemoryGuard(state, store, writer, counters, logger, {
    reducedAtPct: config.MEMORY_REDUCED_PCT,
    criticalAtPct: config.MEMORY_CRITICAL_PCT,
    hysteresisPct: config.MEMORY_HYSTERESIS_PCT,
    alertAtPct: config.MEMORY_ALERT_PCT,
    checkIntervalMs: config.MEMORY_CHECK_INTERVAL_MS,
    cleanupIntervalMs: config.CLEANUP_INTERVAL_MS,
    monitorIntervalMs: config.MONITOR_INTERVAL_MS,
    fallbackMaxBytes: parseMemorySize(config.REDIS_MAX_MEMORY),
  });
  return {
    partitions,
    coordinator,
    detection,
    writer,
    emitter,
    counters,
    guard,
    publisher,
    store,
    signals,
    state,
    percentiles,
    start() {
      counters.start();
      guard.start();
      percentiles.start();
    },
    async stop() {
      // Redis may still be down at shutdown: give the last writes a bound instead of hanging.
      const bounded = async (work: Promise<void>, what: string, ms = 5_000): Promise<void> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.error({ what }, 'not written before shutdown (Redis refused)');
            resolve();
          }, ms);
        });
        await Promise.race([work, late]);
        clearTimeout(timer);
      };
      // Checkpoints and releases every partition (their leases expire otherwise).
      await bounded(coordinator.leave(), 'partition checkpoints', 15_000);
      guard.stop();
      percentiles.stop();
      await Promise.all([writer.drain(), emitter.drain()]);
      writer.stop();
      emitter.stop();
      await bounded(publisher.close(), 'signal stream entries');
      await bounded(counters.stop(), 'counters');
    },
  };
}
