import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HealthModule, HealthRegistry } from '@mdp/platform';
import { TokenUpdateStream } from '@mdp/schemas';
import { registerVelocityPollerHealth } from './poller/velocity-poller.health';
import { VelocityPollerService, type VelocityPollerDependencies } from './poller/velocity-poller.service';
import { VelocityPollerConfig } from './velocity-poller.config';

const DEPS = Symbol('velocity-poller-deps');

/** Starts polling after boot; on shutdown stops polling, flushes the publisher, closes connections. */
@Injectable()
class VelocityPollerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DEPS) private readonly deps: VelocityPollerDependencies,
    private readonly poller: VelocityPollerService,
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
        { provide: VelocityPollerService, useFactory: () => new VelocityPollerService(deps) },
        VelocityPollerLifecycle,
      ],
    };
  }
}
