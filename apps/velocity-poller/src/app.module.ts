import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { HealthModule, HealthRegistry, type Logger, type RedisClient } from '@mdp/platform';
import { TokenMetricsCalculator } from '@mdp/domain-velocity';
import { TokenCacheRepository, TokenStoreRepository } from '@mdp/data-access-tokens';
import { TokenUpdateStream } from '@mdp/schemas';
import { StreamPublisher, StreamTrimmer } from '@mdp/transport';
import { CacheWarmerService } from './poller/cache-warmer.service';
import { CmcClient } from './poller/cmc.client';
import { PollCycleService } from './poller/poll-cycle.service';
import { PollSchedulerService } from './poller/poll-scheduler.service';
import { registerVelocityPollerHealth } from './poller/velocity-poller.health';
import { VelocityPollerMetrics } from './poller/velocity-poller.metrics';
import { VelocityPollerConfig } from './velocity-poller.config';

export interface VelocityPollerDependencies {
  config: VelocityPollerConfig;
  pool: Pool;
  redis: RedisClient;
  logger: Logger;
}

const DEPS = Symbol('velocity-poller-deps');

/** The poller's parts, wired once (plain classes, so the benchmark and tests can build them too). */
export class VelocityPoller {
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

/** Starts polling after boot; on shutdown stops polling, flushes the publisher, closes connections. */
@Injectable()
class VelocityPollerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DEPS) private readonly deps: VelocityPollerDependencies,
    private readonly poller: VelocityPoller,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    registerVelocityPollerHealth(this.health, {
      redis: this.deps.redis,
      pool: this.deps.pool,
      poll: this.poller.poll,
      cmc: this.poller.cmc,
      staleAfterMs: this.deps.config.STALE_AFTER_MS,
      startedAt: Date.now(),
    });
    if (this.deps.config.TOKEN_UPDATES_MAXLEN > 0)
      this.poller.trimmer.start([TokenUpdateStream.stream], 10_000);
    await this.poller.scheduler.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.poller.trimmer.stop();
    await this.poller.scheduler.stop();
    await Promise.race([this.poller.publisher.close(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    await this.deps.pool.end().catch(() => undefined);
    this.deps.redis.disconnect();
  }
}

/** The token velocity poller: CoinMarketCap -> tokens, token_metrics, caches, token-updates stream. */
@Module({})
export class AppModule {
  static register(deps: VelocityPollerDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [HealthModule.forRoot()],
      providers: [
        { provide: DEPS, useValue: deps },
        { provide: VelocityPollerConfig, useValue: deps.config },
        { provide: VelocityPoller, useFactory: () => new VelocityPoller(deps) },
        VelocityPollerLifecycle,
      ],
    };
  }
}
