import type { Pool } from 'pg';
import type { HealthRegistry, RedisClient } from '@mdp/platform';
import type { CmcClient } from './cmc.client';
import type { PollCycleService } from './poll-cycle.service';

/**
 * Readiness of the poller: Redis answers, the warm store answers, and the data is fresh (a poll
 * succeeded within the freshness limit; before the first one, the check reports `waiting`).
 */
export function registerVelocityPollerHealth(
  registry: HealthRegistry,
  deps: {
    redis: RedisClient;
    pool: Pool;
    poll: PollCycleService;
    cmc: CmcClient;
    staleAfterMs: number;
    startedAt: number;
  },
): void {
  registry.register('redis', async () => {
    await deps.redis.ping();
  });
  registry.register('database', async () => {
    await deps.pool.query('SELECT 1');
  });
  registry.register('coinmarketcap', () => {
    const now = Date.now();
    const last = deps.poll.lastSuccessAt;
    const report = deps.poll.lastReport;
    const detail = {
      lastSuccessAt: last === null ? null : new Date(last).toISOString(),
      lastOutcome: report?.outcome ?? null,
      lastError: report?.error ?? null,
      staleQuotes: report?.stale ?? 0,
      creditsToday: deps.cmc.credits.today,
      creditsTotal: deps.cmc.credits.total,
    };
    const reference = last ?? deps.startedAt;
    if (now - reference > deps.staleAfterMs) {
      return Promise.reject(
        new Error(
          `stale: no successful poll for ${Math.round((now - reference) / 1000)} s (${JSON.stringify(detail)})`,
        ),
      );
    }
    return Promise.resolve(detail);
  });
}
