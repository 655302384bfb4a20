import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger, RedisClient } from '@mdp/platform';
import type { GatewayConfig } from './gateway.config';

/**
 * Everything the gateway holds open. `main.ts` opens them from the configuration; tests open them
 * against their own Redis database and PostgreSQL database and build the same application.
 */
export interface GatewayDependencies {
  config: GatewayConfig;
  logger: Logger;
  /** Commands: reads, writes, the rate-limit script (auto-pipelined, fails fast while Redis is down). */
  redis: RedisClient;
  /** A second connection in subscriber mode: pub/sub updates and API-key revocations. */
  subscriber: RedisClient;
  /** The warm store (writes, and reads when no replica is configured). */
  pool: Pool;
  /** The history reads: DATABASE_READ_URL when set, otherwise the same pool as `pool`. */
  readPool: Pool;
  /** TypeORM over the warm store, for the entity tables (api_keys, rate_limiting, trading_decisions). */
  dataSource: DataSource;
}

/** Injection tokens of the gateway's shared connections (provided globally by the core module). */
export const REDIS = Symbol('gateway:redis');
export const PG_POOL = Symbol('gateway:pg-pool');
export const PG_READ_POOL = Symbol('gateway:pg-read-pool');
export const LOGGER = Symbol('gateway:logger');
