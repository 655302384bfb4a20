import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createLogger, createRedisConnection } from '@mdp/platform';
import { MigrationRunner, PgClientSession } from '@mdp/data-access-warm-store';
import {
  PrivateRedis,
  WORKSPACE_ROOT,
  createTestDatabase,
  freePort,
  startLocalRedisCluster,
  waitFor,
  type LocalRedisCluster,
  type TestDatabase,
} from '@mdp/testing';
import { unpackEvent } from '@mdp/transport';
import { ServiceProcess, type ServiceName } from './service-process';

export interface PipelineEnvOptions {
  /** Extra redis-server arguments (maxmemory, AOF, dir). */
  redisArgs?: string[];
  /** Run on a local three-master Redis Cluster instead (REDIS_URL=redis-cluster://...). */
  cluster?: boolean;
}

/**
 * What one fault test runs on: a private redis-server (so killing or filling it disturbs no other
 * test), a migrated database of its own, a client of each, and the services it starts.
 */
export class PipelineEnv {
  redisServer!: PrivateRedis;
  cluster: LocalRedisCluster | null = null;
  database!: TestDatabase;
  pg!: Client;
  redis!: Redis;
  readonly services: ServiceProcess[] = [];
  private readonly clients: Redis[] = [];

  static async start(options: PipelineEnvOptions = {}): Promise<PipelineEnv> {
    const env = new PipelineEnv();
    if (options.cluster) env.cluster = await startLocalRedisCluster();
    else {
      env.redisServer = new PrivateRedis(await freePort(), options.redisArgs ?? []);
      await env.redisServer.start();
    }
    env.database = await createTestDatabase('e2e');
    env.pg = new Client({ connectionString: env.database.url });
    await env.pg.connect();
    await new MigrationRunner(new PgClientSession(env.pg), {
      directory: path.join(WORKSPACE_ROOT, 'migrations'),
      logger: createLogger('e2e', 'silent'),
    }).migrate();
    env.redis = env.client();
    return env;
  }

  get redisUrl(): string {
    return this.cluster ? this.cluster.url : this.redisServer.url;
  }

  /**
   * A new connection to the private Redis that rides out restarts (commands queue while it is
   * down); on a cluster, a cluster client (typed as Redis: the tests use single-key commands only).
   */
  client(): Redis {
    if (this.cluster) {
      const cluster = createRedisConnection(this.cluster.url) as unknown as Redis;
      this.clients.push(cluster);
      return cluster;
    }
    const client = new Redis(this.redisServer.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  /** A service on this Redis (and database, for the writer), not yet started. */
  service(name: ServiceName, env: Record<string, string> = {}): ServiceProcess {
    const service = new ServiceProcess(name, {
      REDIS_URL: this.redisUrl,
      ...(name === 'warm-writer'
        ? { DATABASE_URL: this.database.url, WARM_MAINTENANCE_INTERVAL_MS: '0', DATABASE_POOL_SIZE: '4' }
        : {}),
      ...(name === 'liquidation-detector' ? DETECTOR_ACCEPTS_ALL : {}),
      ...(name === 'flow-aggregator' ? AGGREGATOR_BY_EVENT_TIME : {}),
      ...env,
    });
    this.services.push(service);
    return service;
  }

  async close(): Promise<void> {
    for (const service of this.services) await service.kill9();
    for (const client of this.clients) client.disconnect();
    await this.pg?.end();
    await this.database?.drop();
    await this.redisServer?.stop();
    await this.cluster?.stop();
  }

  // --- checks -------------------------------------------------------------------------------

  /** eventId -> number of rows in the liquidations table. */
  async liquidationRows(): Promise<Map<string, number>> {
    const { rows } = await this.pg.query<{ event_id: string; n: string }>(
      'SELECT event_id, count(*) AS n FROM liquidations GROUP BY event_id',
    );
    return new Map(rows.map((row) => [row.event_id, Number(row.n)]));
  }

  async count(table: string, where = 'true'): Promise<number> {
    const { rows } = await this.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`);
    return Number(rows[0]!.n);
  }

  /** The dead-letter entries of `stream`, each with its reason and the event ids it carries. */
  async deadLetters(stream: string): Promise<DeadLetter[]> {
    const entries = await this.redis.xrangeBuffer(`${stream}:dlq`, '-', '+');
    return entries.map(([id, fields]) => {
      const map = new Map<string, Buffer>();
      for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString(), fields[i + 1]!);
      return {
        id: id.toString(),
        entry: map.get('entry')?.toString() ?? '',
        group: map.get('group')?.toString() ?? '',
        error: map.get('error')?.toString() ?? '',
        deliveries: Number(map.get('deliveries')?.toString() ?? '0'),
        attempts: Number(map.get('attempts')?.toString() ?? '0'),
        eventIds: eventIdsOf(map.get('p')),
      };
    });
  }

  /** Pending count and lag of `group` on `stream` (XINFO GROUPS). */
  async groupState(stream: string, group: string): Promise<{ pending: number; lag: number | null } | null> {
    const groups = (await this.redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
    for (const fields of groups) {
      const get = (name: string) => fields[fields.indexOf(name) + 1];
      if (get('name') === group) {
        const lag = get('lag');
        return { pending: Number(get('pending')), lag: lag === null ? null : Number(lag) };
      }
    }
    return null;
  }

  /** Waits until `group` has read and acknowledged everything on each stream. */
  async drained(group: string, streams: string[], timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${group} to drain ${streams.join(', ')}`,
      async () => {
        for (const stream of streams) {
          const state = await this.groupState(stream, group);
          if (!state || state.pending !== 0 || state.lag !== 0) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
}

export interface DeadLetter {
  id: string;
  entry: string;
  group: string;
  error: string;
  deliveries: number;
  attempts: number;
  eventIds: string[];
}

/** The detector stores every liquidation the test sends (no size or percentile filter, no VWAP signals). */
export const DETECTOR_ACCEPTS_ALL: Record<string, string> = {
  MIN_LIQUIDATION_SIZE_BTC: '1',
  MIN_LIQUIDATION_SIZE_ETH: '1',
  MIN_LIQUIDATION_SIZE_DEFAULT: '1',
  ENABLE_PERCENTILE_FILTER: 'false',
  VWAP_ENABLED: 'false',
  COUNTERS_FLUSH_MS: '200',
};

/** Windows close by event time only (the test's events are laid out in a past hour), written every second. */
export const AGGREGATOR_BY_EVENT_TIME: Record<string, string> = {
  FLOW_WALL_CLOCK_CLOSE: 'false',
  FLOW_PUBLISH_INTERVAL_MS: '1000',
  CANDLE_FLUSH_INTERVAL_MS: '200',
  FLOW_GRACE_MS: '0',
};

/** Event ids in a dead-letter payload: one event (a MessagePack map) or a whole unread entry (column-major). */
function eventIdsOf(payload: Buffer | undefined): string[] {
  if (!payload) return [];
  let value: unknown;
  try {
    value = unpackEvent(payload);
  } catch {
    return [];
  }
  const idOf = (event: Record<string, unknown>) => {
    const id = event['eventId'] ?? event['tradeId'];
    return typeof id === 'string' ? id : '';
  };
  if (Array.isArray(value) && value.length === 2 && Array.isArray(value[0]) && Array.isArray(value[1])) {
    const [fields, rows] = value as [string[], unknown[][]];
    const idIndex = fields.findIndex((field) => field === 'eventId' || field === 'tradeId');
    return idIndex < 0 ? [] : rows.map((row) => String(row[idIndex]));
  }
  if (value && typeof value === 'object') return [idOf(value as Record<string, unknown>)];
  return [];
}

/** missing / extra / doubled between the ids the producer had acknowledged and what a store holds. */
export function compareIds(
  expected: Iterable<string>,
  stored: Map<string, number>,
): { missing: string[]; extra: string[]; doubled: string[] } {
  const want = new Set(expected);
  const missing = [...want].filter((id) => !stored.has(id));
  const extra = [...stored.keys()].filter((id) => !want.has(id));
  const doubled = [...stored].filter(([, n]) => n > 1).map(([id]) => id);
  return { missing, extra, doubled };
}
