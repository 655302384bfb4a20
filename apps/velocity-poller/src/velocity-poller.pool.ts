import { Pool } from 'pg';
import type { Logger } from '@mdp/platform';
import type { VelocityPollerConfig } from './velocity-poller.config';

/**
 * The poller's warm-store pool. A connection lost while idle (server restart, terminated backend) is
 * logged, not fatal: the next poll opens a new one. Every client keeps an error listener for life, as
 * a connection can die between being opened and being handed out.
 */
export function createVelocityPollerPool(config: VelocityPollerConfig, logger: Logger): Pool {
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'velocity-poller',
  });
  pool.on('error', (error) => logger.warn({ error: error.message }, 'idle warm-store connection failed'));
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.debug({ error: error.message }, 'warm-store connection failed'));
  });
  return pool;
}
