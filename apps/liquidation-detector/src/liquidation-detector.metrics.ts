import { Gauge, register } from 'prom-client';
import { STORAGE_MODES } from '@mdp/domain-liquidation';
import { DETECTOR_COUNTERS } from '@mdp/data-access-liquidation';
import type { DetectorComponents } from './liquidation-detector.components';

/**
 * Prometheus gauges read from the running detector at scrape time: its counters since start
 * (processed, filtered, stored, memory_rejections, signals), the storage mode (1 for the current
 * one), Redis memory use, the local buffers, the events left to other replicas, the partitions held
 * and the checkpoints. Registered once per process; they read the
 * detector registered last (one per process outside tests).
 */
let current: DetectorComponents | null = null;

export function registerDetectorMetrics(components: DetectorComponents): void {
  current = components;
  if (register.getSingleMetric('liquidation_detector_events')) return;
  const read = (): DetectorComponents | null => current;
  new Gauge({
    name: 'liquidation_detector_events',
    help: 'Liquidation detector counters since start, by counter',
    labelNames: ['counter'],
    collect() {
      const c = read();
      if (c) for (const name of DETECTOR_COUNTERS) this.set({ counter: name }, c.counters.totals[name]);
    },
  });
  new Gauge({
    name: 'liquidation_detector_storage_mode',
    help: 'Storage mode of the detector (1 for the current mode)',
    labelNames: ['mode'],
    collect() {
      const c = read();
      if (c) for (const mode of STORAGE_MODES) this.set({ mode }, c.guard.mode === mode ? 1 : 0);
    },
  });
  new Gauge({
    name: 'liquidation_detector_redis_memory_percent',
    help: 'Redis used memory in percent of its limit, at the last check',
    collect() {
      this.set(read()?.guard.lastReading?.usedPct ?? 0);
    },
  });
  new Gauge({
    name: 'liquidation_detector_buffered',
    help: 'Accepted liquidations and signals held locally until Redis takes them',
    labelNames: ['kind'],
    collect() {
      this.set({ kind: 'liquidations' }, read()?.writer.buffered ?? 0);
      this.set({ kind: 'signals' }, read()?.emitter.buffered ?? 0);
    },
  });
  new Gauge({
    name: 'liquidation_detector_other_partition_events',
    help: "Events skipped since start because their symbol's partition is held by another replica",
    labelNames: ['kind'],
    collect() {
      const c = read();
      if (!c) return;
      this.set({ kind: 'liquidation' }, c.detection.otherPartition.liquidations);
      this.set({ kind: 'trade' }, c.detection.otherPartition.trades);
    },
  });
  new Gauge({
    name: 'liquidation_detector_partitions_held',
    help: 'Partitions (of DETECTOR_PARTITIONS) this replica holds',
    collect() {
      this.set(read()?.detection.heldPartitions().length ?? 0);
    },
  });
  new Gauge({
    name: 'liquidation_detector_checkpoints',
    help: 'Partition checkpoints since start, by outcome',
    labelNames: ['outcome'],
    collect() {
      const c = read();
      if (!c) return;
      this.set({ outcome: 'written' }, c.coordinator.stats.checkpoints);
      this.set({ outcome: 'failed' }, c.coordinator.stats.checkpointFailures);
    },
  });
}
