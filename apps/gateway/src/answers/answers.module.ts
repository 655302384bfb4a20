import { Global, Module } from '@nestjs/common';
import type { Logger, RedisClient } from '@mdp/platform';
import { GatewayConfig } from '../gateway.config';
import { LOGGER, REDIS } from '../gateway.dependencies';
import { PubSubHub } from '../realtime/pubsub.hub';
import { AnswerCache } from './answer.cache';
import { AnswerInvalidationService } from './answer-invalidation.service';

/**
 * The in-process cache of hot stored answers (flow snapshots, token lists) and the announcements
 * that keep it exact; one per application (two replicas in one test process keep theirs apart).
 */
@Global()
@Module({
  providers: [
    {
      provide: AnswerCache,
      useFactory: (config: GatewayConfig, redis: RedisClient) =>
        new AnswerCache({
          ttlMs: config.ANSWER_CACHE_TTL_MS,
          maxEntries: config.ANSWER_CACHE_MAX_ENTRIES,
          maxBytes: config.ANSWER_CACHE_MAX_BYTES,
          remainingMs: (key) => redis.pttl(key),
        }),
      inject: [GatewayConfig, REDIS],
    },
    {
      provide: AnswerInvalidationService,
      useFactory: (
        cache: AnswerCache,
        hub: PubSubHub,
        redis: RedisClient,
        config: GatewayConfig,
        logger: Logger,
      ) => new AnswerInvalidationService(cache, hub, redis, config, logger),
      inject: [AnswerCache, PubSubHub, REDIS, GatewayConfig, LOGGER],
    },
  ],
  exports: [AnswerCache, AnswerInvalidationService],
})
export class AnswersModule {}
