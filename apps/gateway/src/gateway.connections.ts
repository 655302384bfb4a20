import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
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
  await initializeUntilReady(dataSource, logger);
  return { config, logger, redis, subscriber, pool, readPool, dataSource };
}

/**
 * Initializes TypeORM; when the database is down at start, keeps trying every few seconds in the
 * background (requests needing it answer 503 meanwhile) instead of refusing to start.
 */
async function initializeUntilReady(dataSource: DataSource, logger: Logger): Promise<void> {
  const attempt = async (): Promise<boolean> => {
    try {
      await dataSource.initialize();
      return true;
    } catch (error) {
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'warm store unreachable; API keys and decisions answer 503 until it answers',
      );
      return false;
    }
  };
  if (await attempt()) return;
  let trying = false;
  const retry = setInterval(() => {
    if (closed.has(dataSource) || dataSource.isInitialized) clearInterval(retry);
    else if (!trying) {
      trying = true;
      void attempt().then((ok) => {
        trying = false;
        if (ok) {
          clearInterval(retry);
          logger.info('warm store reachable; TypeORM initialized');
        }
      });
    }
  }, 3_000);
  retry.unref();
}

const closed = new WeakSet<DataSource>();

/** Closes what openGatewayConnections opened. */
export async function closeGatewayConnections(deps: GatewayDependencies): Promise<void> {
  closed.add(deps.dataSource);
  deps.redis.disconnect();
  deps.subscriber.disconnect();
  await Promise.allSettled([
    deps.pool.end(),
    deps.readPool === deps.pool ? Promise.resolve() : deps.readPool.end(),
    deps.dataSource.isInitialized ? deps.dataSource.destroy() : Promise.resolve(),
  ]);
}
