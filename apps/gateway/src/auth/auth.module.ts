import { Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger, RedisClient } from '@mdp/platform';
import { GatewayConfig } from '../gateway.config';
import { LOGGER, REDIS } from '../gateway.dependencies';
import { PubSubHub } from '../realtime/pubsub.hub';
import { API_KEY_REVOKED_CHANNEL } from './api-key';
import { AccountController } from './account.controller';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyCache } from './api-key.cache';
import { ApiKeyHook } from './api-key.hook';
import { ApiKeyStore } from './api-key.store';
import { RateLimiter } from './rate-limiter';
import { UsageRecorder } from './usage.recorder';

/** Starts the usage flusher, listens for revocations, and flushes usage on shutdown. */
class AuthLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly usage: UsageRecorder,
    private readonly cache: ApiKeyCache,
    private readonly hub: PubSubHub,
  ) {}

  onApplicationBootstrap(): void {
    this.usage.start();
    // Not awaited: with Redis down at start the subscription completes when it returns (ioredis
    // queues it), and the gateway must start meanwhile; the key cache's TTL covers the gap.
    void this.hub.subscribe(API_KEY_REVOKED_CHANNEL, (_channel, keyHash) => this.cache.forget(keyHash));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.usage.stop();
  }
}

/** API keys (hashed, seed 003), their rate limits across replicas, and usage accounting. */
@Module({
  controllers: [AccountController],
  providers: [
    {
      provide: ApiKeyStore,
      useFactory: (dataSource: DataSource) => new ApiKeyStore(dataSource),
      inject: [DataSource],
    },
    {
      provide: ApiKeyCache,
      useFactory: (store: ApiKeyStore, config: GatewayConfig) =>
        new ApiKeyCache(store, config.API_KEY_CACHE_TTL_MS),
      inject: [ApiKeyStore, GatewayConfig],
    },
    { provide: RateLimiter, useFactory: (redis: RedisClient) => new RateLimiter(redis), inject: [REDIS] },
    {
      provide: UsageRecorder,
      useFactory: (dataSource: DataSource, logger: Logger, config: GatewayConfig) =>
        new UsageRecorder(dataSource, logger, config.USAGE_FLUSH_INTERVAL_MS),
      inject: [DataSource, LOGGER, GatewayConfig],
    },
    {
      provide: ApiKeyAuthenticator,
      useFactory: (cache: ApiKeyCache, limiter: RateLimiter, usage: UsageRecorder, config: GatewayConfig) =>
        new ApiKeyAuthenticator(cache, limiter, usage, config.ANONYMOUS_RATE_LIMIT_PER_MINUTE),
      inject: [ApiKeyCache, RateLimiter, UsageRecorder, GatewayConfig],
    },
    {
      provide: AuthLifecycle,
      useFactory: (usage: UsageRecorder, cache: ApiKeyCache, hub: PubSubHub) =>
        new AuthLifecycle(usage, cache, hub),
      inject: [UsageRecorder, ApiKeyCache, PubSubHub],
    },
    {
      provide: ApiKeyHook,
      useFactory: (authenticator: ApiKeyAuthenticator) => new ApiKeyHook(authenticator),
      inject: [ApiKeyAuthenticator],
    },
  ],
  exports: [ApiKeyAuthenticator, ApiKeyHook, ApiKeyStore, UsageRecorder],
})
export class AuthModule {}
