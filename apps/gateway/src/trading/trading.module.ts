import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RedisClient } from '@mdp/platform';
import { TradingStateRepository } from '@mdp/data-access-flow';
import { TradingDecisionRepository } from '@mdp/data-access-warm-store';
import { REDIS } from '../gateway.dependencies';
import { TradingContextController } from './trading-context.controller';
import { TradingStateController } from './trading-state.controller';

/** Seed 002: trading state read/write, the context package for a trading model, and its decision audit. */
@Module({
  controllers: [TradingStateController, TradingContextController],
  providers: [
    {
      provide: TradingStateRepository,
      useFactory: (redis: RedisClient) => new TradingStateRepository(redis),
      inject: [REDIS],
    },
    {
      provide: TradingDecisionRepository,
      useFactory: (dataSource: DataSource) => new TradingDecisionRepository(dataSource),
      inject: [DataSource],
    },
  ],
})
export class TradingModule {}
