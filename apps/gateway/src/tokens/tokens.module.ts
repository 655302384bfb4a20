import { Module } from '@nestjs/common';
import type { Pool } from 'pg';
import type { RedisClient } from '@mdp/platform';
import { TokenCacheRepository, TokenStoreRepository } from '@mdp/data-access-tokens';
import { PG_READ_POOL, REDIS } from '../gateway.dependencies';
import { AnswerCache } from '../answers/answer.cache';
import { TokenReadService } from './token-read.service';
import { TokensController } from './tokens.controller';

/** Seed 003 tokens and velocity over the Redis caches and the warm store (read pool). */
@Module({
  controllers: [TokensController],
  providers: [
    {
      provide: TokenReadService,
      useFactory: (redis: RedisClient, pool: Pool, answers: AnswerCache) =>
        new TokenReadService(new TokenCacheRepository(redis), new TokenStoreRepository(pool), answers),
      inject: [REDIS, PG_READ_POOL, AnswerCache],
    },
  ],
})
export class TokensModule {}
