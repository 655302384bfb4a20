import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, register } from 'prom-client';

const NAME = 'gateway_http_request_duration_seconds';

function histogram(): Histogram<'method' | 'route' | 'status_code'> {
  return (
    (register.getSingleMetric(NAME) as Histogram<'method' | 'route' | 'status_code'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    })
  );
}

type Labels = Record<'method' | 'route' | 'status_code', string>;
type Observe = (labels: Labels, seconds: number) => void;

/**
 * The label objects of one route pattern by method and status, each made once and reused: no object
 * or string is built per request (routes, methods and statuses are bounded, so is this).
 */
function labelsOfRoute(route: string): (method: string, status: number) => Labels {
  const byMethod = new Map<string, Map<number, Labels>>();
  return (method, status) => {
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let labels = byStatus.get(status);
    if (labels === undefined) {
      labels = Object.freeze({ method, route, status_code: String(status) });
      byStatus.set(status, labels);
    }
    return labels;
  };
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;

function onResponseOf(observe: Observe, route: string): Hook {
  const labelsOf = labelsOfRoute(route);
  return (request, reply, done) => {
    observe(labelsOf(request.method, reply.statusCode), reply.elapsedTime / 1000);
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
  const durations = histogram();
  const observe: Observe = (labels, seconds) => durations.observe(labels, seconds);
  fastify.addHook('onRoute', (route) => {
    const own = onResponseOf(observe, route.url);
    const hooks = route.onResponse;
    route.onResponse = hooks === undefined ? [own] : Array.isArray(hooks) ? [...hooks, own] : [hooks, own];
  });
  const unmatched = onResponseOf(observe, 'unmatched');
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched(request, reply, done);
    else done();
  });
}
