import type { Logger } from '@mdp/platform';
import { classifyVelocityTrend, type VelocityHistory } from '@mdp/domain-velocity';
import type { TokenCacheRepository, TokenStoreRepository } from '@mdp/data-access-tokens';

/**
 * Writes the caches from the warm store: the top tokens at start (seed 003 cache warming), and every
 * recent token after a Redis outage (seed 003 cache recovery). The trend, not a stored column, is
 * recomputed from the in-memory history; quotes older than the freshness limit are cached as stale.
 */
export class CacheWarmerService {
  constructor(
    private readonly store: TokenStoreRepository,
    private readonly cache: TokenCacheRepository,
    private readonly history: VelocityHistory,
    private readonly staleAfterMs: number,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Returns how many tokens were written to the caches. */
  async warm(limit: number, reason: 'start' | 'redis-recovered'): Promise<number> {
    if (limit === 0) return 0;
    const snapshots = await this.store.latestTopTokens(
      limit,
      this.clock(),
      this.staleAfterMs,
      (tokenId, velocity, ts) =>
        classifyVelocityTrend(velocity, this.history.previousVelocities(tokenId, ts, 6)).trend,
    );
    await this.cache.writeTokens(snapshots);
    const lists = await this.cache.invalidateLists();
    this.logger.info(
      {
        reason,
        tokens: snapshots.length,
        stale: snapshots.filter((s) => s.stale).length,
        listsInvalidated: lists,
      },
      'caches written from the warm store',
    );
    return snapshots.length;
  }
}
