import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Describe, ServiceConfig } from '@mdp/platform';

/**
 * Settings of the query gateway. Types are written out: the loader converts numbers and booleans by
 * the declared type, which SWC (tests, `serve`) only records from an explicit annotation.
 */
export class GatewayConfig extends ServiceConfig {
  @Describe(
    'PostgreSQL / TimescaleDB URL of the warm store (api keys, decisions, and reads when DATABASE_READ_URL is empty)',
  )
  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/mdp';

  @Describe(
    'Optional URL of a read replica for the history queries (candles, velocity, liquidation history); empty = DATABASE_URL',
  )
  @Matches(/^(postgres(ql)?:\/\/.+)?$/, { message: '$property must be empty or a postgres:// URL' })
  DATABASE_READ_URL: string = '';

  @Describe('Most connections the gateway opens to each database URL')
  @IsInt()
  @Min(1)
  @Max(64)
  DATABASE_POOL_SIZE: number = 8;

  @Describe('Longest a database query may run (ms, statement_timeout) and wait for a connection; then 503')
  @IsInt()
  @Min(100)
  DATABASE_TIMEOUT_MS: number = 5_000;

  @Describe('Longest a Redis command may take (ms) before the request answers 503')
  @IsInt()
  @Min(50)
  REDIS_COMMAND_TIMEOUT_MS: number = 1_000;

  @Describe(
    'Requests per minute per client IP allowed without an API key (GET only); 0 = every /api request needs a key',
  )
  @IsInt()
  @Min(0)
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: number = 0;

  @Describe(
    'How long (ms) a looked-up API key (valid or not) is remembered before the database is asked again; revocations also arrive over pub/sub at once',
  )
  @IsInt()
  @Min(0)
  API_KEY_CACHE_TTL_MS: number = 10_000;

  @Describe(
    'How often (ms) usage counts, last_used_at and the rate_limiting rows are written to the database',
  )
  @IsInt()
  @Min(100)
  USAGE_FLUSH_INTERVAL_MS: number = 5_000;

  @Describe(
    'Trust X-Forwarded-For from a proxy in front of the gateway (for the client IP of anonymous limits)',
  )
  @IsBoolean()
  TRUST_PROXY: boolean = false;

  @Describe('Largest request body accepted (bytes); larger bodies get 413')
  @IsInt()
  @Min(1_024)
  BODY_LIMIT_BYTES: number = 5 * 1024 * 1024;

  @Describe('Path of the OpenAPI document (JSON)')
  @IsString()
  @Matches(/^\/[\w./-]*$/, { message: '$property must be a path starting with /' })
  OPENAPI_PATH: string = '/openapi.json';
}
