import type { Pool } from 'pg';
import type { Logger, RedisClient } from '@mdp/platform';
import { TokenMetricsCalculator } from '@mdp/domain-velocity';
import { TokenCacheRepository, TokenStoreRepository } from '@mdp/data-access-tokens';
import { StreamPublisher, StreamTrimmer } from '@mdp/transport';
import type { VelocityPollerConfig } from '../velocity-poller.config';
import { CacheWarmerService } from './cache-warmer.service';
import { CmcClient } from './cmc.client';
import { PollCycleService } from './poll-cycle.service';
import { PollSchedulerService } from './poll-scheduler.service';
import { VelocityPollerMetrics } from './velocity-poller.metrics';

export interface VelocityPollerDependencies {
  config: VelocityPollerConfig;
  pool: Pool;
  redis: RedisClient;
  logger: Logger;
}

/** The poller's parts, wired once (plain classes, so the benchmark and tests can build them too). */
export class VelocityPollerService {
  readonly cmc: CmcClient;
  readonly calculator: TokenMetricsCalculator;
  readonly store: TokenStoreRepository;
  readonly cache: TokenCacheRepository;
  readonly publisher: StreamPublisher;
  readonly poll: PollCycleService;
  readonly warmer: CacheWarmerService;
  readonly scheduler: PollSchedulerService;
  readonly trimmer: StreamTrimmer;

  constructor({ config, pool, redis, logger }: VelocityPollerDependencies) {
    this.cmc = new CmcClient({
      baseUrl: config.CMC_BASE_URL,
      apiKey: config.CMC_API_KEY,
      timeoutMs: config.CMC_TIMEOUT_MS,
      maxAttempts: config.CMC_MAX_ATTEMPTS,
      retryBaseMs: config.CMC_RETRY_BASE_MS,
      retryMaxMs: config.CMC_RETRY_MAX_MS,
      logger,
    });
    this.calculator = new TokenMetricsCalculator({ staleAfterMs: config.STALE_AFTER_MS });
    this.store = new TokenStoreRepository(pool);
    this.cache = new TokenCacheRepository(redis);
    this.publisher = new StreamPublisher(redis, { maxEventsPerEntry: 256, logger });
    this.poll = new PollCycleService(
      this.cmc,
      this.calculator,
      this.store,
      this.cache,
      this.publisher,
      {
        listingsLimit: config.CMC_LISTINGS_LIMIT,
        maxInvalidFraction: config.CMC_MAX_INVALID_FRACTION,
        publishWaitMs: 5_000,
      },
      logger,
      new VelocityPollerMetrics(),
    );
    this.warmer = new CacheWarmerService(
      this.store,
      this.cache,
      this.calculator.history,
      config.STALE_AFTER_MS,
      logger,
    );
    this.scheduler = new PollSchedulerService(
      this.poll,
      this.warmer,
      this.store,
      this.calculator.history,
      redis,
      {
        intervalMs: config.POLL_INTERVAL_MS,
        warmTokens: config.CACHE_WARM_TOKENS,
        rebuildTokens: config.CACHE_REBUILD_TOKENS,
      },
      logger,
    );
    this.trimmer = new StreamTrimmer(redis, { maxLen: config.TOKEN_UPDATES_MAXLEN, logger });
  }
}
