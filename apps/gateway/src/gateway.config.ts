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
    'Longest (ms) a hot stored answer (a flow snapshot, a token list) is kept in the process: the bound on its staleness when a write announcement is missed (announced writes drop it at once); 0 = keep nothing',
  )
  @IsInt()
  @Min(0)
  @Max(60_000)
  ANSWER_CACHE_TTL_MS: number = 1_000;

  @Describe('Most answers kept in the process (the oldest go first)')
  @IsInt()
  @Min(1)
  ANSWER_CACHE_MAX_ENTRIES: number = 1_000;

  @Describe('Most bytes of answers kept in the process (the oldest go first; a larger answer is not kept)')
  @IsInt()
  @Min(1_024)
  ANSWER_CACHE_MAX_BYTES: number = 32 * 1024 * 1024;

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

  @Describe(
    "This replica's id in WebSocket connection ids (`<id>:<n>`, members of ws_subs:{token_id}); keep it stable across restarts (the pod or host name); empty = <hostname>-<pid>",
  )
  @Matches(/^([A-Za-z0-9._-]{1,64})?$/, { message: '$property must be empty or 1-64 of A-Z a-z 0-9 . _ -' })
  WS_REPLICA_ID: string = '';

  @Describe('Most WebSocket connections one replica holds; further upgrades answer 503')
  @IsInt()
  @Min(1)
  WS_MAX_CONNECTIONS: number = 10_000;

  @Describe('Most subscriptions one WebSocket connection may hold')
  @IsInt()
  @Min(1)
  @Max(10_000)
  WS_MAX_SUBSCRIPTIONS: number = 100;

  @Describe('Most messages a WebSocket client may send per second; the rest of that second is ignored')
  @IsInt()
  @Min(1)
  WS_MAX_MESSAGES_PER_SECOND: number = 20;

  @Describe('Largest WebSocket message a client may send (bytes); larger ones close the connection (1009)')
  @IsInt()
  @Min(256)
  @Max(1_048_576)
  WS_MAX_MESSAGE_BYTES: number = 4_096;

  @Describe(
    "High-water mark of a WebSocket connection's unsent bytes: above it the client's updates are dropped (and counted in a `dropped` notice once it catches up)",
  )
  @IsInt()
  @Min(1_024)
  WS_HIGH_WATER_BYTES: number = 1_048_576;

  @Describe('Unsent bytes at which a WebSocket connection is closed at once as too slow (1013)')
  @IsInt()
  @Min(2_048)
  WS_MAX_BUFFERED_BYTES: number = 4_194_304;

  @Describe(
    'How long (ms) a WebSocket client that went above the high-water mark has to read its backlog down to half of it before it is closed as too slow (1013)',
  )
  @IsInt()
  @Min(100)
  WS_SLOW_CLIENT_TIMEOUT_MS: number = 10_000;

  @Describe(
    'Interval (ms) of WebSocket pings; a connection that has not answered the previous ping is closed',
  )
  @IsInt()
  @Min(100)
  WS_PING_INTERVAL_MS: number = 30_000;

  @Describe('Longest (ms) one blocking XREAD of the update streams waits; bounds how long a stop takes')
  @IsInt()
  @Min(10)
  @Max(10_000)
  WS_READ_BLOCK_MS: number = 1_000;

  @Describe(
    "Interval (ms) of the sweep that removes ws_subs members of crashed replicas and of this replica's closed connections",
  )
  @IsInt()
  @Min(1_000)
  WS_SWEEP_INTERVAL_MS: number = 60_000;

  @Describe(
    "TTL (s) of a replica's heartbeat key ws_replica:{id}, refreshed every third of it; past it its ws_subs members are swept",
  )
  @IsInt()
  @Min(3)
  WS_REPLICA_TTL_S: number = 30;

  @Describe(
    'TTL (s) of stocks:price:{symbol} written through the gateway (intraday data expires); 0 = no expiry',
  )
  @IsInt()
  @Min(0)
  TRADING_PRICE_TTL_SECONDS: number = 86_400;

  @Describe('TTL (s) of stocks:sentiment:{symbol} written through the gateway; 0 = no expiry')
  @IsInt()
  @Min(0)
  TRADING_SENTIMENT_TTL_SECONDS: number = 86_400;

  @Describe('TTL (s) of signals:{signal_type}:{symbol} written through the gateway; 0 = no expiry')
  @IsInt()
  @Min(0)
  TRADING_SIGNAL_TTL_SECONDS: number = 86_400;

  @Describe('TTL (s) of candidates:ranked written through the gateway; 0 = no expiry')
  @IsInt()
  @Min(0)
  TRADING_CANDIDATES_TTL_SECONDS: number = 86_400;

  @Describe('TTL (s) of metrics:performance (daily figures) written through the gateway; 0 = no expiry')
  @IsInt()
  @Min(0)
  TRADING_PERFORMANCE_TTL_SECONDS: number = 172_800;

  @Describe('TTL (s) of context:market written through the gateway; 0 = no expiry')
  @IsInt()
  @Min(0)
  TRADING_MARKET_CONTEXT_TTL_SECONDS: number = 86_400;

  @Describe(
    'Signal types (signals:{signal_type}:{symbol}) included per symbol in GET /api/trading/context, comma-separated',
  )
  @Matches(/^[a-z][a-z0-9_]{0,31}(,[a-z][a-z0-9_]{0,31})*$/, {
    message: '$property must be signal types (a-z 0-9 _) separated by commas',
  })
  TRADING_CONTEXT_SIGNAL_TYPES: string = 'entry,exit';

  @Describe('Most symbols one GET /api/trading/context may ask for')
  @IsInt()
  @Min(1)
  @Max(500)
  TRADING_CONTEXT_MAX_SYMBOLS: number = 50;

  @Describe(
    "Services whose readiness GET /api/system/status (the web view's status strip) shows: name=http://host:port pairs, comma-separated; empty = none",
  )
  @Matches(/^([a-z][a-z0-9-]*=https?:\/\/[^\s,=]+)?(\s*,\s*[a-z][a-z0-9-]*=https?:\/\/[^\s,=]+)*$/, {
    message: '$property must be name=http://host:port pairs separated by commas',
  })
  STATUS_SERVICE_URLS: string =
    'ingestion=http://127.0.0.1:3001,liquidation-detector=http://127.0.0.1:3002,flow-aggregator=http://127.0.0.1:3003,velocity-poller=http://127.0.0.1:3004,warm-writer=http://127.0.0.1:3005';

  @Describe("Longest (ms) GET /api/system/status waits for one service's /health/ready")
  @IsInt()
  @Min(50)
  @Max(10_000)
  STATUS_HEALTH_TIMEOUT_MS: number = 1_000;

  @Describe(
    'Directory of the built web view (nx build web), served at /app/; relative paths are from the working directory',
  )
  @IsString()
  WEB_VIEW_DIR: string = 'dist/apps/web';
}
