import { Pool } from 'pg';
import type { Logger } from '@mdp/platform';
import type { WarmWriterConfig } from './warm-writer.config';

/**
 * The writer's connection pool. A connection lost while idle is logged, not fatal; and every client
 * keeps an error listener for life, because a connection can die (a server-side terminate) in the
 * same network read that completes its connect, before the pool has handed it to its caller.
 */
export function createWarmWriterPool(
  config: WarmWriterConfig,
  logger: Logger,
  databaseUrl = config.DATABASE_URL,
): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: config.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'warm-writer',
  });
  pool.on('error', (error) => logger.warn({ error: error.message }, 'idle warm-store connection failed'));
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.debug({ error: error.message }, 'warm-store connection failed'));
  });
  return pool;
}
