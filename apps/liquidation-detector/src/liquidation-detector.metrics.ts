import { Gauge, register } from 'prom-client';
import { STORAGE_MODES } from '@mdp/domain-liquidation';
import { DETECTOR_COUNTERS } from '@mdp/data-access-liquidation';
import type { DetectorComponents } from './liquidation-detector.components';

/**
 * Prometheus gauges read from the running detector at scrape time: its counters since start
 * (processed, filtered, stored, memory_rejections, signals), the storage mode (1 for the current
 * one), Redis memory use, the local buffers and the events left to other shards. Registered once per process; they read the
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
    name: 'liquidation_detector_other_shard_events',
    help: 'Events skipped since start because another shard (DETECTOR_SHARD_INDEX) owns their symbol',
    labelNames: ['kind'],
    collect() {
      const c = read();
      if (!c) return;
      this.set({ kind: 'liquidation' }, c.detection.otherShard.liquidations);
      this.set({ kind: 'trade' }, c.detection.otherShard.trades);
    },
  });
}
