import { Pool } from 'pg';
import { createWarmStoreDataSource } from '@mdp/data-access-warm-store';
import { createRedisConnection, type Logger } from '@mdp/platform';
import type { GatewayConfig } from './gateway.config';
import type { GatewayDependencies } from './gateway.dependencies';

function createPool(url: string, config: GatewayConfig, logger: Logger, name: string): Pool {
  const pool = new Pool({
    connectionString: url,
    max: config.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: config.DATABASE_TIMEOUT_MS,
    statement_timeout: config.DATABASE_TIMEOUT_MS,
    query_timeout: config.DATABASE_TIMEOUT_MS + 1_000,
    idleTimeoutMillis: 30_000,
    application_name: name,
  });
  pool.on('error', (error) =>
    logger.warn({ error: error.message, pool: name }, 'idle database connection failed'),
  );
  pool.on('connect', (client) => {
    client.on('error', (error) =>
      logger.debug({ error: error.message, pool: name }, 'database connection failed'),
    );
  });
  return pool;
}

/**
 * Opens the gateway's connections. Redis commands fail fast while Redis is down (no offline queue,
 * one retry, a command timeout), so a request answers 503 instead of waiting; the subscriber
 * connection reconnects and resubscribes by itself. The database is opened lazily by the pools.
 */
export async function openGatewayConnections(
  config: GatewayConfig,
  logger: Logger,
): Promise<GatewayDependencies> {
  const redisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
  };
  const redis = createRedisConnection(config.REDIS_URL, redisOptions);
  const subscriber = createRedisConnection(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const [name, client] of [
    ['commands', redis],
    ['subscriber', subscriber],
  ] as const)
    client.on('error', (error: Error) =>
      logger.debug({ error: error.message, connection: name }, 'redis connection error'),
    );
  await Promise.all(
    [redis, subscriber].map(
      (client) =>
        new Promise<void>((resolve) => {
          client.once('ready', () => resolve());
          setTimeout(resolve, 3_000).unref();
        }),
    ),
  );
  const pool = createPool(config.DATABASE_URL, config, logger, 'gateway');
  const readPool = config.DATABASE_READ_URL
    ? createPool(config.DATABASE_READ_URL, config, logger, 'gateway-read')
    : pool;
  const dataSource = createWarmStoreDataSource(config.DATABASE_URL, {
    poolSize: 4,
    applicationName: 'gateway-orm',
  });
  await dataSource.initialize().catch((error: unknown) => {
    logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'warm store unreachable at start; API keys are checked once it answers',
    );
  });
  return { config, logger, redis, subscriber, pool, readPool, dataSource };
}

/** Closes what openGatewayConnections opened. */
export async function closeGatewayConnections(deps: GatewayDependencies): Promise<void> {
  deps.redis.disconnect();
  deps.subscriber.disconnect();
  await Promise.allSettled([
    deps.pool.end(),
    deps.readPool === deps.pool ? Promise.resolve() : deps.readPool.end(),
    deps.dataSource.isInitialized ? deps.dataSource.destroy() : Promise.resolve(),
  ]);
}
