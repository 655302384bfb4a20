-- V2: time partitioning, compression, retention and candle aggregates.
--
-- This file runs in both modes and holds the policy every mode applies; the migration runner then
-- runs the companion file of the active mode in the same transaction:
--   V2__add_hypertables.timescaledb.sql  hypertables, native compression, retention policies,
--                                        continuous aggregates with refresh policies
--   V2__add_hypertables.postgres.sql     native monthly range partitions, retention by dropping
--                                        partitions, materialized views refreshed by the writer

-- One row per time-series table: how it is partitioned, how long it is kept (NULL = forever) and
-- when its chunks are compressed (TimescaleDB only). Both companions read this table.
CREATE TABLE warm_time_series (
  table_name     TEXT     PRIMARY KEY,
  time_column    TEXT     NOT NULL,
  chunk_interval INTERVAL NOT NULL,  -- TimescaleDB chunk size; plain PostgreSQL uses monthly partitions
  compress_after INTERVAL NOT NULL,
  segment_by     TEXT     NOT NULL,  -- TimescaleDB compress_segmentby
  keep           INTERVAL            -- retention; NULL keeps rows forever
);

INSERT INTO warm_time_series (table_name, time_column, chunk_interval, compress_after, segment_by, keep) VALUES
  ('candles_1m',          'time',      INTERVAL '1 day',  INTERVAL '24 hours', 'symbol, exchange',   INTERVAL '1 year'),
  ('liquidations',        'time',      INTERVAL '7 days', INTERVAL '24 hours', 'symbol',             INTERVAL '2 years'),
  ('liquidation_signals', 'time',      INTERVAL '7 days', INTERVAL '24 hours', 'symbol',             NULL),
  ('flow_snapshots',      'time',      INTERVAL '1 day',  INTERVAL '24 hours', 'coin, time_window',  INTERVAL '180 days'),
  ('token_metrics',       'timestamp', INTERVAL '7 days', INTERVAL '24 hours', 'token_id',           INTERVAL '1 year');

-- The candle aggregates built from candles_1m, and how long each is kept (NULL = forever).
CREATE TABLE warm_candle_aggregates (
  view_name   TEXT     PRIMARY KEY,
  bucket      INTERVAL NOT NULL,
  keep        INTERVAL
);

INSERT INTO warm_candle_aggregates (view_name, bucket, keep) VALUES
  ('candles_5m',  INTERVAL '5 minutes',  INTERVAL '2 years'),
  ('candles_15m', INTERVAL '15 minutes', INTERVAL '3 years'),
  ('candles_1h',  INTERVAL '1 hour',     NULL),
  ('candles_4h',  INTERVAL '4 hours',    NULL),
  ('candles_1d',  INTERVAL '1 day',      NULL);
