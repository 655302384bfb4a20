import { Pool } from 'pg';
import IORedis, { type Redis } from 'ioredis';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, loadConfig } from '@mdp/platform';
import { createMigratedDatabase } from '@mdp/data-access-warm-store/testing';
import { createTestRedis, testRedisUrl, type TestDatabase } from '@mdp/testing';
import { createGatewayApp } from '../src/gateway.app';
import { GatewayConfig } from '../src/gateway.config';
import { closeGatewayConnections, openGatewayConnections } from '../src/gateway.connections';
import type { GatewayDependencies } from '../src/gateway.dependencies';
import { ApiKeyStore } from '../src/auth/api-key.store';
import type { ApiKeyTier } from '../src/auth/api-key';

export { createMigratedDatabase };

export interface GatewayHarness {
  /** `http://127.0.0.1:<port>` of the listening gateway. */
  url: string;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
  app: NestFastifyApplication;
  deps: GatewayDependencies;
  /** The test's own connection to the gateway's Redis database, for seeding and checking. */
  redis: Redis;
  /** The test's own pool on the gateway's database. */
  sql: Pool;
  database: TestDatabase;
  keys: ApiKeyStore;
  /** Creates an API key (enterprise tier unless told otherwise) and returns the key itself. */
  createKey(tier?: ApiKeyTier, limits?: { perMinute?: number; perMonth?: number }): Promise<string>;
  /** fetch() against the gateway with `X-API-Key: key` when a key is given. */
  request(urlPath: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
  /** Stops this gateway; the database is dropped unless it was passed in (`shared`). */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Settings as environment variables (strings), applied over the test defaults. */
  env?: Record<string, string>;
  /** Another gateway's database: both replicas then share it (and the worker's Redis database). */
  database?: TestDatabase;
  /** Keep the worker's Redis database as it is (a second replica must not flush the first's data). */
  keepRedis?: boolean;
  /** Another Redis than the worker's database (a PrivateRedis for outage tests). */
  redisUrl?: string;
}

/** Starts a real gateway (Fastify on a free port) on the worker's Redis database and a migrated database. */
export async function startGateway(options: StartOptions = {}): Promise<GatewayHarness> {
  const database = options.database ?? (await createMigratedDatabase('mdp_gateway'));
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const redis = options.redisUrl
    ? new IORedis(redisUrl, { maxRetriesPerRequest: 1 })
    : options.keepRedis
      ? new IORedis(redisUrl, { maxRetriesPerRequest: 1 })
      : await createTestRedis();
  redis.on('error', () => undefined);
  const config = loadConfig(GatewayConfig, {
    REDIS_URL: redisUrl,
    DATABASE_URL: database.url,
    LOG_LEVEL: process.env['GATEWAY_TEST_LOG_LEVEL'] ?? 'error',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    USAGE_FLUSH_INTERVAL_MS: '200',
    ...options.env,
  });
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const deps = await openGatewayConnections(config, logger);
  const app = await createGatewayApp(deps);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const sql = new Pool({ connectionString: database.url, max: 2 });
  // An idle connection the server ends (an outage test, a restart) is replaced on the next query;
  // without a listener the pool's 'error' event would fail whatever test is running then.
  sql.on('error', () => undefined);
  const keys = new ApiKeyStore(deps.dataSource);
  return {
    url,
    wsUrl: `ws://127.0.0.1:${address.port}`,
    app,
    deps,
    redis,
    sql,
    database,
    keys,
    createKey: async (tier = 'enterprise', limits = {}) =>
      (await keys.create({ name: 'test', tier, ...limits })).key,
    request: (urlPath, init = {}) => {
      const { key, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== undefined) headers.set('x-api-key', key);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${url}${urlPath}`, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
    },
    close: async () => {
      await app.close();
      await closeGatewayConnections(deps);
      await sql.end();
      redis.disconnect();
      if (!options.database) await database.drop();
    },
  };
}
