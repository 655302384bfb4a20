import { Counter, Gauge, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
  return (
    (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

function gauge(name: string, help: string): Gauge {
  return (register.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help });
}

/** Prometheus metrics of the in-process answer cache (one set per process). */
export const answerCacheMetrics = {
  requests: counter(
    'gateway_answer_cache_requests_total',
    'Reads of kept answers, by area (flow, token-list) and result (hit, miss)',
    ['area', 'result'],
  ),
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
