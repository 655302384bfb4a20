import { Module } from '@nestjs/common';
import type { RedisClient } from '@mdp/platform';
import { LiveCandleRepository } from '@mdp/data-access-flow';
import { REDIS } from '../gateway.dependencies';
import { CandlesController } from './candles.controller';

/** Candles: the warm store's aggregates (read pool) and the live candle in Redis. */
@Module({
  controllers: [CandlesController],
  providers: [
    {
      provide: LiveCandleRepository,
      useFactory: (redis: RedisClient) => new LiveCandleRepository(redis),
      inject: [REDIS],
    },
  ],
})
export class CandlesModule {}
