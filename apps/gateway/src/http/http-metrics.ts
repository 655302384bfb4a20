import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { register, type Metric } from 'prom-client';

const NAME = 'gateway_http_request_duration_seconds';
const HELP = 'HTTP request duration by method, route pattern and status code';
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type Labels = Readonly<Record<'method' | 'route' | 'status_code', string>>;

/** The observations of one method, route pattern and status: per bucket (not cumulative), sum, count. */
interface Series {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * The request duration histogram, printed by prom-client's registry exactly as its own Histogram
 * would print it (`_bucket{le=...}` cumulative, `_sum`, `_count`), but observed into a series object
 * found once per route, method and status: prom-client's `Histogram.observe` checks and hashes the
 * labels of every observation (0.7-0.9 µs a request on this Node build, measured), this adds to
 * three numbers. One per process (several gateways in one test process share it, as they shared the
 * registered Histogram before).
 */
class RequestDurations {
  readonly name = NAME;
  readonly help = HELP;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  seriesOf(method: string, route: string, status: number): Series {
    const id = `${method}\u0000${route}\u0000${status}`;
    let series = this.series.get(id);
    if (series === undefined) {
      series = {
        labels: Object.freeze({ method, route, status_code: String(status) }),
        buckets: BUCKETS.map(() => 0),
        sum: 0,
        count: 0,
      };
      this.series.set(id, series);
    }
    return series;
  }

  static observe(series: Series, seconds: number): void {
    series.sum += seconds;
    series.count += 1;
    for (let i = 0; i < BUCKETS.length; i++)
      if (seconds <= BUCKETS[i]!) {
        series.buckets[i]! += 1;
        return;
      }
  }

  /** What prom-client's registry prints (the shape of its Histogram's `get()`). */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Array<{
      labels: Record<string, string | number>;
      sharedLabels?: Labels;
      value: number;
      metricName: string;
    }>;
  }> {
    const values = [];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < BUCKETS.length; i++) {
        cumulative += buckets[i]!;
        values.push({
          labels: { le: BUCKETS[i]! },
          sharedLabels: labels,
          value: cumulative,
          metricName: `${NAME}_bucket`,
        });
      }
      values.push({
        labels: { le: '+Inf' },
        sharedLabels: labels,
        value: count,
        metricName: `${NAME}_bucket`,
      });
      values.push({ labels, value: sum, metricName: `${NAME}_sum` });
      values.push({ labels, value: count, metricName: `${NAME}_count` });
    }
    return Promise.resolve({ name: NAME, help: HELP, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    for (const series of this.series.values()) {
      series.buckets.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

function durations(): RequestDurations {
  const registered = register.getSingleMetric(NAME) as unknown as RequestDurations | undefined;
  if (registered !== undefined) return registered;
  const created = new RequestDurations();
  // Not one of prom-client's own classes, but the registry only needs its name, type and get().
  register.registerMetric(created as unknown as Metric);
  return created;
}

/**
 * The series of one route pattern by method and status, each found once and reused: nothing is
 * built per request (routes, methods and statuses are bounded, so is this).
 */
function seriesOfRoute(metric: RequestDurations, route: string): (method: string, status: number) => Series {
  const byMethod = new Map<string, Map<number, Series>>();
  return (method, status) => {
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (series === undefined) {
      series = metric.seriesOf(method, route, status);
      byStatus.set(status, series);
    }
    return series;
  };
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;

function onResponseOf(metric: RequestDurations, route: string): Hook {
  const seriesOf = seriesOfRoute(metric, route);
  return (request, reply, done) => {
    RequestDurations.observe(seriesOf(request.method, reply.statusCode), reply.elapsedTime / 1000);
    done();
  };
}

/**
 * Times every request by route pattern (not raw URL, so label cardinality stays bounded). Each route
 * gets an onResponse hook of its own, knowing its pattern (`request.routeOptions` builds an object
 * per read); requests no route matched are timed as `unmatched` by one global hook. Routes must be
 * added after this is called (Nest adds its routes in `app.init()`).
 */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  const metric = durations();
  fastify.addHook('onRoute', (route) => {
    const own = onResponseOf(metric, route.url);
    const hooks = route.onResponse;
    route.onResponse = hooks === undefined ? [own] : Array.isArray(hooks) ? [...hooks, own] : [hooks, own];
  });
  const unmatched = onResponseOf(metric, 'unmatched');
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched(request, reply, done);
    else done();
  });
}
