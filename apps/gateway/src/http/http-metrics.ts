import type { FastifyInstance } from 'fastify';
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

/** Times every request by route pattern (not raw URL, so label cardinality stays bounded). */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  const durations = histogram();
  fastify.addHook('onResponse', (request, reply, done) => {
    durations.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
