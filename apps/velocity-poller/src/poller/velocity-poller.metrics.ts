import { Counter, Gauge, register, type Metric } from 'prom-client';

function metric<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** Prometheus metrics of the poller (on `/metrics`). */
export class VelocityPollerMetrics {
  readonly polls = metric(
    'velocity_poller_polls_total',
    () =>
      new Counter({
        name: 'velocity_poller_polls_total',
        help: 'Polls by outcome (ok, rejected, failed)',
        labelNames: ['outcome'],
      }),
  );
  readonly listings = metric(
    'velocity_poller_listings_total',
    () =>
      new Counter({
        name: 'velocity_poller_listings_total',
        help: 'Listings by result (stored, invalid, outlier, stale, duplicate)',
        labelNames: ['result'],
      }),
  );
  readonly credits = metric(
    'velocity_poller_cmc_credits_total',
    () =>
      new Counter({ name: 'velocity_poller_cmc_credits_total', help: 'CoinMarketCap API credits consumed' }),
  );
  readonly lastSuccess = metric(
    'velocity_poller_last_success_timestamp_seconds',
    () =>
      new Gauge({
        name: 'velocity_poller_last_success_timestamp_seconds',
        help: 'End of the last successful poll',
      }),
  );
  readonly cacheFailures = metric(
    'velocity_poller_cache_failures_total',
    () =>
      new Counter({
        name: 'velocity_poller_cache_failures_total',
        help: 'Polls whose cache update failed (Redis down)',
      }),
  );
}
