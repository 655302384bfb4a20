import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (
    (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

function gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
  return (register.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames });
}

function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: L[],
  buckets: number[],
): Histogram<L> {
  return (
    (register.getSingleMetric(name) as Histogram<L> | undefined) ??
    new Histogram({ name, help, labelNames, buckets })
  );
}

/** The flow aggregator's Prometheus metrics. */
export const flowMetrics = {
  applyDelay: histogram(
    'flow_apply_delay_seconds',
    "Age of a delivery's oldest stream entry (from its id's time, the XADD) when its events are applied to the windows, by stream: read wait, decode and the event loop's backlog",
    ['stream'],
    [0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 5],
  ),
  events: counter(
    'flow_events_total',
    'Events handled by the flow aggregator, by kind and outcome (aggregated, other_partition, duplicate, in_checkpoint, late)',
    ['kind', 'outcome'],
  ),
  snapshots: counter(
    'flow_snapshots_written_total',
    'Liquidity flow snapshots written, by window and final',
    ['window', 'final'],
  ),
  snapshotBytes: gauge(
    'flow_snapshot_bytes',
    'Bytes of the last snapshot value written, by coin and window',
    ['coin', 'window'],
  ),
  snapshotNodes: gauge(
    'flow_snapshot_nodes',
    'Nodes in the last snapshot written (after pruning), by coin and window',
    ['coin', 'window'],
  ),
  candlesClosed: counter('flow_candles_closed_total', 'Candles closed and published, by timeframe', [
    'timeframe',
  ]),
  indexPruned: counter(
    'flow_index_entries_pruned_total',
    'Index entries removed because their snapshot expired',
    [],
  ),
  writeFailures: counter(
    'flow_write_failures_total',
    'Redis writes that failed and were retried later, by what',
    ['what'],
  ),
  checkpointBytes: gauge(
    'flow_checkpoint_bytes',
    'Bytes of the last partition checkpoints written (one commit)',
    [],
  ),
  checkpointMs: gauge(
    'flow_checkpoint_ms',
    'Time (ms) of the last partition checkpoints, by step (encode: synchronous capture and MessagePack; store: the fenced commit script)',
    ['step'],
  ),
  checkpoints: counter(
    'flow_checkpoints_total',
    'Partition checkpoint commits, by outcome (written, failed)',
    ['outcome'],
  ),
  positionsUpdated: counter(
    'flow_positions_updated_total',
    'positions:active updates, by outcome (updated, changed_meanwhile, invalid)',
    ['outcome'],
  ),
};
