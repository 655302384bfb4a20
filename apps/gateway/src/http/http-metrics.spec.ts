import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Histogram, Registry, register } from 'prom-client';
import { registerHttpMetrics } from './http-metrics';

type Hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/** The hooks registerHttpMetrics adds, on a stand-in for Fastify's addHook (no server needed). */
function hooksOf(): { onRoute: (route: RouteOptions) => void; onResponse: Hook } {
  const hooks = new Map<string, unknown>();
  registerHttpMetrics({
    addHook: (name: string, hook: unknown) => hooks.set(name, hook),
  } as unknown as FastifyInstance);
  return {
    onRoute: hooks.get('onRoute') as (route: RouteOptions) => void,
    onResponse: hooks.get('onResponse') as Hook,
  };
}

describe(registerHttpMetrics.name, () => {
  it("prints what prom-client's own Histogram prints for the same requests", async () => {
    const { onRoute, onResponse } = hooksOf();
    const route = { url: '/api/things/:id' } as RouteOptions;
    onRoute(route);
    const routeHook = (route.onResponse as Hook[])[0]!;
    const reference = new Registry();
    const histogram = new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [reference],
    });
    const requests: Array<[string, number, number, boolean]> = [
      ['GET', 200, 0.0003, true],
      ['GET', 200, 0.0005, true],
      ['GET', 200, 0.004, true],
      ['GET', 404, 3, true],
      ['HEAD', 200, 0.7, true],
      ['GET', 404, 0.002, false],
    ];
    for (const [method, statusCode, seconds, matched] of requests) {
      const request = { method, is404: !matched } as FastifyRequest;
      const reply = { statusCode, elapsedTime: seconds * 1000 } as FastifyReply;
      if (matched) routeHook(request, reply, () => undefined);
      else onResponse(request, reply, () => undefined);
      histogram.observe(
        { method, route: matched ? '/api/things/:id' : 'unmatched', status_code: String(statusCode) },
        seconds,
      );
    }
    const printed = await register.getSingleMetricAsString('gateway_http_request_duration_seconds');
    expect(printed).toBe(await reference.getSingleMetricAsString('gateway_http_request_duration_seconds'));
    expect(printed).toContain(
      'gateway_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/api/things/:id",status_code="200"} 2',
    );
    expect(printed).toContain(
      'gateway_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
    );
    register.resetMetrics();
    expect(await register.getSingleMetricAsString('gateway_http_request_duration_seconds')).toContain(
      'gateway_http_request_duration_seconds_sum{method="GET",route="/api/things/:id",status_code="404"} 0',
    );
  });
});
