import { DataSource } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { RateLimitWindowEntity } from './entities/rate-limit-window.entity';
import { TokenMetricEntity } from './entities/token-metric.entity';
import { TokenEntity } from './entities/token.entity';
import { TradingDecisionEntity } from './entities/trading-decision.entity';

/** The TypeORM-mapped tables of the warm store (simple rows; the time-series hot paths use `pg`). */
export const WARM_STORE_ENTITIES = [
  TokenEntity,
  TokenMetricEntity,
  ApiKeyEntity,
  RateLimitWindowEntity,
  TradingDecisionEntity,
];

/**
 * A TypeORM DataSource over the warm store. The schema belongs to the SQL migrations: `synchronize`
 * and `migrationsRun` are off and stay off.
 */
export function createWarmStoreDataSource(
  url: string,
  options: { poolSize?: number; applicationName?: string } = {},
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: WARM_STORE_ENTITIES,
    synchronize: false,
    migrationsRun: false,
    poolSize: options.poolSize ?? 4,
    // Without it a connection attempt to an unreachable host waits forever.
    connectTimeoutMS: 5_000,
    applicationName: options.applicationName ?? 'warm-store',
  });
}
