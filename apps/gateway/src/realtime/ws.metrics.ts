import { Counter, Gauge, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
  return (
    (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

function gauge<L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> {
  return (register.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames });
}

/** Prometheus metrics of the WebSocket API (one set per process, shared by the apps a test starts). */
export const wsMetrics = {
  connections: gauge('gateway_ws_connections', 'Open WebSocket connections'),
  subscriptions: gauge('gateway_ws_subscriptions', 'WebSocket subscriptions held, by channel', ['channel']),
  messagesSent: counter(
    'gateway_ws_messages_sent_total',
    'WebSocket messages sent, by kind (update, reply)',
    ['kind'],
  ),
  dropped: counter(
    'gateway_ws_updates_dropped_total',
    'Updates not sent to a WebSocket client because its unsent bytes were above the high-water mark',
  ),
  closedSlow: counter(
    'gateway_ws_closed_slow_total',
    'WebSocket connections closed because the client read too slowly (1013)',
  ),
  refused: counter('gateway_ws_upgrades_refused_total', 'WebSocket upgrades refused, by HTTP status', [
    'status',
  ]),
  gaps: counter(
    'gateway_ws_gaps_total',
    'Update sources interrupted (Redis outage) and resumed, by channel',
    ['channel'],
  ),
};
