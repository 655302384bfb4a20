import { Counter, Gauge, Histogram, register } from 'prom-client';

function getOrCreate<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * Frames received per venue, kept as plain numbers on the hot path (one per frame) and added to
 * mdp_ingestion_frames_in_total whenever it is read (a scrape); shared like the metric itself.
 */
const framesPending = new Map<string, number>();

function foldFrames(counter: Counter): void {
  for (const [venue, count] of framesPending) if (count > 0) counter.inc({ venue }, count);
  framesPending.clear();
}

/**
 * The ingestion service's Prometheus metrics (default registry, served on /metrics by HealthModule).
 * Created once per process: several app instances in one test process share them.
 */
export class IngestionMetrics {
  readonly framesIn = getOrCreate(
    'mdp_ingestion_frames_in_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_frames_in_total',
        help: 'Raw frames received per venue',
        labelNames: ['venue'],
        collect() {
          foldFrames(this);
        },
      }),
  );
  readonly eventsOut = getOrCreate(
    'mdp_ingestion_events_out_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_events_out_total',
        help: 'Normalized events written to streams per venue and type',
        labelNames: ['venue', 'type'],
      }),
  );
  readonly parseErrors = getOrCreate(
    'mdp_ingestion_parse_errors_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_parse_errors_total',
        help: 'Malformed, unknown or invalid frames skipped per venue',
        labelNames: ['venue'],
      }),
  );
  readonly duplicates = getOrCreate(
    'mdp_ingestion_duplicates_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_duplicates_total',
        help: 'Events dropped as already seen per venue',
        labelNames: ['venue'],
      }),
  );
  readonly reconnects = getOrCreate(
    'mdp_ingestion_reconnects_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_reconnects_total',
        help: 'Connection losses followed by a reconnect attempt per venue',
        labelNames: ['venue', 'reason'],
      }),
  );
  readonly gaps = getOrCreate(
    'mdp_ingestion_gaps_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_gaps_total',
        help: 'Gap events published per venue and kind',
        labelNames: ['venue', 'kind'],
      }),
  );
  readonly backfilled = getOrCreate(
    'mdp_ingestion_backfilled_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_backfilled_total',
        help: 'Trades refetched from REST history per venue',
        labelNames: ['venue'],
      }),
  );
  readonly publishFailures = getOrCreate(
    'mdp_ingestion_publish_failures_total',
    () =>
      new Counter({
        name: 'mdp_ingestion_publish_failures_total',
        help: 'Batches Redis refused for a reason retrying cannot fix',
        labelNames: ['stream'],
      }),
  );
  readonly lag = getOrCreate(
    'mdp_ingestion_venue_to_publish_seconds',
    () =>
      new Histogram({
        name: 'mdp_ingestion_venue_to_publish_seconds',
        help: 'Venue event time to acknowledged stream write, per venue (includes venue clock skew)',
        labelNames: ['venue'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      }),
  );
  /** Counts one received frame (cheap: folded into `framesIn` when the metric is read). */
  countFrame(venue: string): void {
    framesPending.set(venue, (framesPending.get(venue) ?? 0) + 1);
  }

  readonly connectorState = getOrCreate(
    'mdp_ingestion_connector_state',
    () =>
      new Gauge({
        name: 'mdp_ingestion_connector_state',
        help: 'Connector state per venue: 1 for the current state label',
        labelNames: ['venue', 'state'],
      }),
  );
}
