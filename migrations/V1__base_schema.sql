-- V1: the tables of the warm store, the same in both modes (TimescaleDB and plain PostgreSQL).
-- Time-series tables are created plain here; V2 turns them into hypertables (TimescaleDB) or
-- range-partitioned tables (plain PostgreSQL). Every unique key of a time-series table includes its
-- time column (a TimescaleDB requirement), so the writer deduplicates with ON CONFLICT DO NOTHING.
-- Timestamps are TIMESTAMPTZ (the seeds' TIMESTAMP without zone is ambiguous across hosts).

-- Closed 1-minute candles (seed 004). `exchange` is a venue id or `all` (built from every venue).
CREATE TABLE candles_1m (
  time         TIMESTAMPTZ      NOT NULL,
  symbol       TEXT             NOT NULL,
  exchange     TEXT             NOT NULL,
  open         DOUBLE PRECISION NOT NULL,
  high         DOUBLE PRECISION NOT NULL,
  low          DOUBLE PRECISION NOT NULL,
  close        DOUBLE PRECISION NOT NULL,
  volume       DOUBLE PRECISION NOT NULL,  -- base units (fractional, so not BIGINT as in the seed's sketch)
  notional_usd DOUBLE PRECISION NOT NULL,
  trades       INTEGER          NOT NULL,
  CONSTRAINT candles_1m_pkey PRIMARY KEY (symbol, exchange, time)
);
CREATE INDEX candles_1m_time_idx ON candles_1m (time DESC);

-- Accepted liquidations (seed 001), as normalized by ingestion.
CREATE TABLE liquidations (
  time          TIMESTAMPTZ      NOT NULL,
  event_id      TEXT             NOT NULL,
  exchange      TEXT             NOT NULL,
  market        TEXT             NOT NULL,
  symbol        TEXT             NOT NULL,
  base          TEXT             NOT NULL,
  quote         TEXT             NOT NULL,
  venue_symbol  TEXT             NOT NULL,
  position_side TEXT             NOT NULL,
  order_side    TEXT             NOT NULL,
  price         DOUBLE PRECISION NOT NULL,
  price_kind    TEXT             NOT NULL,
  size          DOUBLE PRECISION NOT NULL,
  notional_usd  DOUBLE PRECISION NOT NULL,
  completeness  TEXT             NOT NULL,  -- sampled_1s feeds (Binance forceOrder) undercount bursts
  backfill      BOOLEAN          NOT NULL DEFAULT FALSE,
  recv_time     TIMESTAMPTZ      NOT NULL,
  CONSTRAINT liquidations_pkey PRIMARY KEY (event_id, time)
);
CREATE INDEX liquidations_symbol_time_idx ON liquidations (symbol, time DESC);
CREATE INDEX liquidations_time_idx ON liquidations (time DESC);

-- Liquidation/VWAP trading signals (seed 001).
CREATE TABLE liquidation_signals (
  time                 TIMESTAMPTZ      NOT NULL,
  signal_id            TEXT             NOT NULL,
  symbol               TEXT             NOT NULL,
  side                 TEXT             NOT NULL,
  entry_reason         TEXT             NOT NULL,
  vwap                 DOUBLE PRECISION NOT NULL,
  vwap_deviation       DOUBLE PRECISION NOT NULL,
  liquidation_size     DOUBLE PRECISION NOT NULL,
  liquidation_event_id TEXT             NOT NULL,
  price                DOUBLE PRECISION NOT NULL,
  CONSTRAINT liquidation_signals_pkey PRIMARY KEY (signal_id, time)
);
CREATE INDEX liquidation_signals_symbol_time_idx ON liquidation_signals (symbol, time DESC);
CREATE INDEX liquidation_signals_time_idx ON liquidation_signals (time DESC);

-- Liquidity flow map snapshots (seed 000 StoredFlowData), kept beyond their Redis TTLs.
-- One row per (coin, window, window start): a later, or final, snapshot of the same window replaces
-- the earlier one. `data` is NULL when the Redis key had expired before the writer read it.
CREATE TABLE flow_snapshots (
  time         TIMESTAMPTZ      NOT NULL,  -- window start
  coin         TEXT             NOT NULL,
  time_window  TEXT             NOT NULL,
  redis_key    TEXT             NOT NULL,
  final        BOOLEAN          NOT NULL,
  total_trades INTEGER          NOT NULL,
  net_flow     DOUBLE PRECISION NOT NULL,
  written_at   TIMESTAMPTZ      NOT NULL,  -- when the snapshot was written to Redis
  stored_at    TIMESTAMPTZ      NOT NULL DEFAULT now(),
  data         JSONB,
  CONSTRAINT flow_snapshots_pkey PRIMARY KEY (coin, time_window, time)
);
CREATE INDEX flow_snapshots_time_idx ON flow_snapshots (time DESC);

-- Seed 003: tokens, token_metrics, api_keys, rate_limiting, with the seed's indexes.
CREATE TABLE tokens (
  id             INTEGER      PRIMARY KEY,
  cmc_id         INTEGER      NOT NULL UNIQUE,
  name           VARCHAR(255) NOT NULL,
  symbol         VARCHAR(50)  NOT NULL,
  slug           VARCHAR(255) NOT NULL,
  description    TEXT,
  logo_url       VARCHAR(500),
  website_url    VARCHAR(500),
  twitter_handle VARCHAR(100),
  reddit_url     VARCHAR(500),
  github_url     VARCHAR(500),
  whitepaper_url VARCHAR(500),
  date_added     TIMESTAMPTZ,
  is_active      BOOLEAN      NOT NULL DEFAULT TRUE,
  created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX idx_tokens_symbol ON tokens (symbol);
CREATE INDEX idx_tokens_cmc_id ON tokens (cmc_id);
CREATE INDEX idx_tokens_slug ON tokens (slug);

-- The seed's AUTOINCREMENT id stays, from a free-standing sequence (identity columns cannot live on
-- partitioned tables before PostgreSQL 17); the key is (token_id, timestamp), which includes time.
CREATE SEQUENCE token_metrics_id_seq;
CREATE TABLE token_metrics (
  id                 BIGINT        NOT NULL DEFAULT nextval('token_metrics_id_seq'),
  token_id           INTEGER       NOT NULL REFERENCES tokens (id),
  "timestamp"        TIMESTAMPTZ   NOT NULL,
  price_usd          DECIMAL(20, 8),
  market_cap_usd     DECIMAL(20, 2),
  volume_24h_usd     DECIMAL(20, 2),
  circulating_supply DECIMAL(20, 8),
  total_supply       DECIMAL(20, 8),
  max_supply         DECIMAL(20, 8),
  percent_change_1h  DECIMAL(10, 4),
  percent_change_24h DECIMAL(10, 4),
  percent_change_7d  DECIMAL(10, 4),
  velocity           DECIMAL(10, 8),
  velocity_1h        DECIMAL(10, 8),
  velocity_4h        DECIMAL(10, 8),
  velocity_12h       DECIMAL(10, 8),
  velocity_7d        DECIMAL(10, 8),
  data_quality_score DECIMAL(3, 2),
  created_at         TIMESTAMPTZ   NOT NULL DEFAULT now(),
  CONSTRAINT token_metrics_pkey PRIMARY KEY (token_id, "timestamp")
);
-- The seed's idx_token_metrics_token_timestamp (token_id, timestamp) is the primary key's index.
CREATE INDEX idx_token_metrics_timestamp ON token_metrics ("timestamp");
CREATE INDEX idx_token_metrics_velocity ON token_metrics (velocity);

CREATE TABLE api_keys (
  id                    SERIAL       PRIMARY KEY,
  key_hash              VARCHAR(255) NOT NULL UNIQUE,  -- sha-256 of the key; the key itself is never stored
  name                  VARCHAR(255),
  tier                  VARCHAR(50)  NOT NULL DEFAULT 'basic',
  rate_limit_per_minute INTEGER      NOT NULL DEFAULT 60,
  rate_limit_per_month  INTEGER      NOT NULL DEFAULT 1000,
  is_active             BOOLEAN      NOT NULL DEFAULT TRUE,
  created_at            TIMESTAMPTZ  NOT NULL DEFAULT now(),
  last_used_at          TIMESTAMPTZ,
  usage_count           INTEGER      NOT NULL DEFAULT 0
);
CREATE INDEX idx_api_keys_hash ON api_keys (key_hash);
CREATE INDEX idx_api_keys_active ON api_keys (is_active);

CREATE TABLE rate_limiting (
  id            SERIAL      PRIMARY KEY,
  api_key_id    INTEGER     NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  window_start  TIMESTAMPTZ NOT NULL,
  request_count INTEGER     NOT NULL DEFAULT 0,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT rate_limiting_key_window_unique UNIQUE (api_key_id, window_start)
);
CREATE INDEX idx_rate_limiting_key_window ON rate_limiting (api_key_id, window_start);

-- Seed 002: "store LLM decisions and reasoning for audit and improvement". Append-only, kept forever.
CREATE TABLE trading_decisions (
  id           BIGSERIAL        PRIMARY KEY,
  decision_id  TEXT             NOT NULL UNIQUE,  -- the caller's id, so a retried write is recognised
  decided_at   TIMESTAMPTZ      NOT NULL,
  symbol       TEXT             NOT NULL,
  action       TEXT             NOT NULL CHECK (action IN ('enter', 'exit', 'hold', 'adjust', 'skip')),
  side         TEXT             CHECK (side IN ('long', 'short')),
  quantity     DOUBLE PRECISION,
  price        DOUBLE PRECISION,
  stop_loss    DOUBLE PRECISION,
  take_profit  DOUBLE PRECISION,
  confidence   DOUBLE PRECISION CHECK (confidence BETWEEN 0 AND 1),
  reasoning    TEXT             NOT NULL,
  model        TEXT             NOT NULL,
  context      JSONB            NOT NULL,  -- the context package the model was given
  outcome      JSONB,                      -- filled in later (fill, P&L) for improvement
  created_at   TIMESTAMPTZ      NOT NULL DEFAULT now()
);
CREATE INDEX trading_decisions_symbol_time_idx ON trading_decisions (symbol, decided_at DESC);
CREATE INDEX trading_decisions_time_idx ON trading_decisions (decided_at DESC);
