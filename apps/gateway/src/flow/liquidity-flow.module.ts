import { Module } from '@nestjs/common';
import type { RedisClient } from '@mdp/platform';
import { LiquidityFlowRepository } from '@mdp/data-access-flow';
import { REDIS } from '../gateway.dependencies';
import { LiquidityFlowController } from './liquidity-flow.controller';

/** Seed 000: store, retrieve, historical, delete and clear of liquidity flow snapshots. */
@Module({
  controllers: [LiquidityFlowController],
  providers: [
    {
      provide: LiquidityFlowRepository,
      useFactory: (redis: RedisClient) => new LiquidityFlowRepository(redis),
      inject: [REDIS],
    },
  ],
})
export class LiquidityFlowModule {}
