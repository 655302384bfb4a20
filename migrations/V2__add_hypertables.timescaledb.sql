-- V2, TimescaleDB mode: hypertables partitioned by time, native compression of chunks older than
-- 24 hours, retention policies, and continuous aggregates 5m/15m/1h/4h/1d from the 1m candles.
CREATE EXTENSION IF NOT EXISTS timescaledb;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM warm_time_series ORDER BY table_name LOOP
    PERFORM create_hypertable(t.table_name::regclass, t.time_column::name,
                              chunk_time_interval => t.chunk_interval, migrate_data => true);
    EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, timescaledb.compress_orderby = %L)',
                   t.table_name, t.segment_by, quote_ident(t.time_column) || ' DESC');
    PERFORM add_compression_policy(t.table_name::regclass, t.compress_after);
    IF t.keep IS NOT NULL THEN
      PERFORM add_retention_policy(t.table_name::regclass, t.keep);
    END IF;
  END LOOP;
END $$;

-- Continuous aggregates read real time (materialized buckets plus not yet materialized raw rows),
-- so a query sees a candle as soon as its 1m rows are in. Buckets are aligned to UTC midnight.
CREATE MATERIALIZED VIEW candles_5m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '5 minutes', time) AS bucket, symbol, exchange,
       first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY bucket, symbol, exchange WITH NO DATA;

CREATE MATERIALIZED VIEW candles_15m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '15 minutes', time) AS bucket, symbol, exchange,
       first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY bucket, symbol, exchange WITH NO DATA;

CREATE MATERIALIZED VIEW candles_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', time) AS bucket, symbol, exchange,
       first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY bucket, symbol, exchange WITH NO DATA;

CREATE MATERIALIZED VIEW candles_4h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '4 hours', time) AS bucket, symbol, exchange,
       first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY bucket, symbol, exchange WITH NO DATA;

CREATE MATERIALIZED VIEW candles_1d WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', time) AS bucket, symbol, exchange,
       first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY bucket, symbol, exchange WITH NO DATA;

-- Refresh policies: each run re-materializes the invalidated part of the last days (late rows after
-- a writer outage included); the newest bucket is served from raw rows in real time.
SELECT add_continuous_aggregate_policy('candles_5m',  start_offset => INTERVAL '2 days', end_offset => INTERVAL '5 minutes',  schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('candles_15m', start_offset => INTERVAL '2 days', end_offset => INTERVAL '15 minutes', schedule_interval => INTERVAL '15 minutes');
SELECT add_continuous_aggregate_policy('candles_1h',  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',     schedule_interval => INTERVAL '30 minutes');
SELECT add_continuous_aggregate_policy('candles_4h',  start_offset => INTERVAL '4 days', end_offset => INTERVAL '4 hours',    schedule_interval => INTERVAL '1 hour');
SELECT add_continuous_aggregate_policy('candles_1d',  start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 day',      schedule_interval => INTERVAL '1 hour');

-- Aggregates outlive the raw 1m rows; the finer ones are dropped after their own retention.
SELECT add_retention_policy(view_name::regclass, keep) FROM warm_candle_aggregates WHERE keep IS NOT NULL ORDER BY view_name;
