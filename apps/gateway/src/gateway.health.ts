import type { Pool } from 'pg';
import type { HealthRegistry, RedisClient } from '@mdp/platform';

/** Readiness: Redis answers PING, the warm store (and its read replica, when distinct) answers a query. */
export function registerGatewayHealth(
  health: HealthRegistry,
  deps: { redis: RedisClient; pool: Pool; readPool: Pool },
): void {
  health.register('redis', async () => {
    await deps.redis.ping();
  });
  health.register('database', async () => {
    await deps.pool.query('SELECT 1');
  });
  if (deps.readPool !== deps.pool)
    health.register('database-read', async () => {
      await deps.readPool.query('SELECT 1');
    });
}
