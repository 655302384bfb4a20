import { IsInt, IsNumber, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { Describe, ServiceConfig } from '@mdp/platform';

/**
 * Settings of the token velocity poller. Types are written out: the loader converts numbers by the
 * declared type, which SWC (tests, `serve`) only records from an explicit annotation.
 */
export class VelocityPollerConfig extends ServiceConfig {
  @Describe(
    'PostgreSQL / TimescaleDB URL of the warm store (tokens, token_metrics): postgres://user[:password]@host:port/database',
  )
  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/mdp';

  @Describe('Most connections the poller opens to the warm store')
  @IsInt()
  @Min(1)
  @Max(32)
  DATABASE_POOL_SIZE: number = 3;

  @Describe(
    'Base URL of the CoinMarketCap Pro API (https://pro-api.coinmarketcap.com for the real one; the default is the stand-in of tools/cmc-stand-in)',
  )
  @Matches(/^https?:\/\/[^/]+/, { message: '$property must be an http(s):// URL' })
  CMC_BASE_URL: string = 'http://127.0.0.1:4100';

  @Describe('CoinMarketCap API key, sent as X-CMC_PRO_API_KEY (the default is the stand-in key)')
  @IsString()
  @MinLength(1)
  CMC_API_KEY: string = 'stand-in-key';

  @Describe('How many listings each poll asks for (limit of /v1/cryptocurrency/listings/latest, 1-5000)')
  @IsInt()
  @Min(1)
  @Max(5000)
  CMC_LISTINGS_LIMIT: number = 500;

  @Describe(
    'Time between poll starts (ms); a poll still running when the next is due delays it, polls never overlap',
  )
  @IsInt()
  @Min(100)
  POLL_INTERVAL_MS: number = 60_000;

  @Describe('Timeout of one CoinMarketCap request (ms)')
  @IsInt()
  @Min(100)
  CMC_TIMEOUT_MS: number = 15_000;

  @Describe(
    'Attempts per poll for a retryable CoinMarketCap answer (HTTP 429 per-minute/IP limits, 5xx, network errors)',
  )
  @IsInt()
  @Min(1)
  @Max(10)
  CMC_MAX_ATTEMPTS: number = 4;

  @Describe(
    'First retry delay (ms), doubled per attempt with jitter; a Retry-After header is honoured up to CMC_RETRY_MAX_MS',
  )
  @IsInt()
  @Min(1)
  CMC_RETRY_BASE_MS: number = 1_000;

  @Describe('Longest retry delay (ms)')
  @IsInt()
  @Min(1)
  CMC_RETRY_MAX_MS: number = 20_000;

  @Describe(
    'A response whose share of listings failing validation exceeds this is rejected whole (nothing written)',
  )
  @IsNumber()
  @Min(0)
  @Max(1)
  CMC_MAX_INVALID_FRACTION: number = 0.5;

  @Describe(
    'A quote older than this (ms) when polled is stale: stored and cached with stale=true, scored down, not broadcast',
  )
  @IsInt()
  @Min(1_000)
  STALE_AFTER_MS: number = 300_000;

  @Describe(
    'Tokens (largest market caps) written to the caches from the warm store at start (seed 003: top 100)',
  )
  @IsInt()
  @Min(0)
  @Max(10_000)
  CACHE_WARM_TOKENS: number = 100;

  @Describe('Tokens written back to the caches from the warm store when Redis returns after an outage')
  @IsInt()
  @Min(0)
  @Max(20_000)
  CACHE_REBUILD_TOKENS: number = 5_000;

  @Describe(
    'Bound of the token-updates stream in entries (each entry holds up to 256 token updates); 0 disables trimming',
  )
  @IsInt()
  @Min(0)
  TOKEN_UPDATES_MAXLEN: number = 10_000;
}
