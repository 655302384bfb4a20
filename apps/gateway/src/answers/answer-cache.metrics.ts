import { Counter, Gauge, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
  return (
    (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

function gauge(name: string, help: string): Gauge {
  return (register.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help });
}

/** The areas whose answers are kept (the `area` label of the metrics). */
export type AnswerArea = 'flow' | 'token-list';

/**
 * Reads of kept answers since the last scrape, counted in plain numbers (a read is a request of a
 * hot route: a labelled Counter's `inc` checks and hashes its labels and allocates on every call)
 * and added to `gateway_answer_cache_requests_total` when it is collected.
 */
export const answerReads: Record<AnswerArea, { hit: number; miss: number }> = {
  flow: { hit: 0, miss: 0 },
  'token-list': { hit: 0, miss: 0 },
};

const REQUESTS = 'gateway_answer_cache_requests_total';
// Made afresh (not taken from the registry as the others are): its collect drains this module's counts.
register.removeSingleMetric(REQUESTS);

/** Prometheus metrics of the in-process answer cache (one set per process). */
export const answerCacheMetrics = {
  requests: new Counter({
    name: REQUESTS,
    help: 'Reads of kept answers, by area (flow, token-list) and result (hit, miss)',
    labelNames: ['area', 'result'] as const,
    collect() {
      for (const area of ['flow', 'token-list'] as const)
        for (const result of ['hit', 'miss'] as const) {
          const count = answerReads[area][result];
          if (count > 0) {
            answerReads[area][result] = 0;
            this.inc({ area, result }, count);
          }
        }
    },
  }),
  invalidations: counter(
    'gateway_answer_cache_invalidations_total',
    'Answers dropped on an announcement, by kind (key, prefix, all)',
    ['kind'],
  ),
  evictions: counter(
    'gateway_answer_cache_evictions_total',
    'Answers dropped to stay inside ANSWER_CACHE_MAX_ENTRIES / ANSWER_CACHE_MAX_BYTES',
  ),
  entries: gauge('gateway_answer_cache_entries', 'Answers kept in the process'),
  bytes: gauge('gateway_answer_cache_bytes', 'Bytes of the answers kept in the process'),
};
