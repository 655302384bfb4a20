import { Module } from '@nestjs/common';
import type { RedisClient } from '@mdp/platform';
import {
  ActiveSignalRepository,
  DetectorStateRepository,
  LiquidationStoreRepository,
  PercentileThresholdRepository,
} from '@mdp/data-access-liquidation';
import { REDIS } from '../gateway.dependencies';
import { LiquidationsController } from './liquidations.controller';
import { SignalsController } from './signals.controller';

const fromRedis = <T>(type: new (redis: RedisClient) => T) => ({
  provide: type,
  useFactory: (redis: RedisClient) => new type(redis),
  inject: [REDIS],
});

/** Seed 001: liquidations (recent, statistics, thresholds, detector status, history) and signals (active, recent). */
@Module({
  controllers: [LiquidationsController, SignalsController],
  providers: [
    fromRedis(LiquidationStoreRepository),
    fromRedis(DetectorStateRepository),
    fromRedis(PercentileThresholdRepository),
    fromRedis(ActiveSignalRepository),
  ],
})
export class LiquidationsModule {}
