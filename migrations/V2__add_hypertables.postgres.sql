-- V2, plain PostgreSQL mode (no TimescaleDB extension): the time-series tables become natively
-- range-partitioned by month (plus a default partition for rows outside the created months),
-- retention drops whole partitions, and the candle aggregates are ordinary materialized views that
-- the warm writer refreshes (warm_store_maintain / warm_refresh_candle_views, called periodically).

-- Rebuilds a plain table as a partitioned one with the same columns, keys, indexes and rows.
CREATE FUNCTION warm_partition_by_time(p_table TEXT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_column TEXT;
  v_old TEXT := p_table || '_unpartitioned';
  v_constraints TEXT[];
  v_names TEXT[];
  v_indexes TEXT[];
  i INTEGER;
BEGIN
  SELECT time_column INTO STRICT v_column FROM warm_time_series WHERE table_name = p_table;
  -- Keys and indexes as they are defined now (their names must be freed before re-creation).
  SELECT array_agg(pg_get_constraintdef(c.oid) ORDER BY c.contype DESC, c.conname), array_agg(c.conname ORDER BY c.contype DESC, c.conname)
    INTO v_constraints, v_names
    FROM pg_constraint c WHERE c.conrelid = p_table::regclass AND c.contype IN ('p', 'u', 'f');
  SELECT array_agg(pg_get_indexdef(x.indexrelid) ORDER BY x.indexrelid)
    INTO v_indexes
    FROM pg_index x WHERE x.indrelid = p_table::regclass
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid);

  EXECUTE format('ALTER TABLE %I RENAME TO %I', p_table, v_old);
  FOR i IN 1 .. coalesce(array_length(v_names, 1), 0) LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', v_old, v_names[i]);
  END LOOP;
  EXECUTE (SELECT string_agg(format('DROP INDEX %s', x.indexrelid::regclass), '; ')
             FROM pg_index x WHERE x.indrelid = v_old::regclass);

  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS) PARTITION BY RANGE (%I)',
                 p_table, v_old, v_column);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', p_table || '_default', p_table);
  FOR i IN 1 .. coalesce(array_length(v_names, 1), 0) LOOP
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', p_table, v_names[i], v_constraints[i]);
  END LOOP;
  FOR i IN 1 .. coalesce(array_length(v_indexes, 1), 0) LOOP
    EXECUTE v_indexes[i];
  END LOOP;
  EXECUTE format('INSERT INTO %I SELECT * FROM %I', p_table, v_old);
  EXECUTE format('DROP TABLE %I', v_old);
END $$;

-- Creates the month's partition of a table (UTC months), moving any rows of that month out of the
-- default partition first. Returns false when it already exists.
CREATE FUNCTION warm_ensure_partition(p_table TEXT, p_month TIMESTAMPTZ) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
  v_start TIMESTAMP := date_trunc('month', p_month AT TIME ZONE 'UTC');
  v_from TIMESTAMPTZ := v_start AT TIME ZONE 'UTC';
  v_to TIMESTAMPTZ := (v_start + INTERVAL '1 month') AT TIME ZONE 'UTC';
  v_name TEXT := p_table || '_p' || to_char(v_start, 'YYYY_MM');
  v_column TEXT;
BEGIN
  IF to_regclass(quote_ident(v_name)) IS NOT NULL THEN
    RETURN FALSE;
  END IF;
  SELECT time_column INTO STRICT v_column FROM warm_time_series WHERE table_name = p_table;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name, p_table);
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                 p_table || '_default', v_column, v_column, v_name) USING v_from, v_to;
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', p_table, v_name, v_from, v_to);
  RETURN TRUE;
END $$;

-- Periodic upkeep in plain PostgreSQL mode (the writer calls it): partitions for the previous,
-- current and next three months, and retention by dropping partitions wholly older than `keep`
-- (plus deleting such rows from the default partition). Returns what it did.
CREATE FUNCTION warm_store_maintain(p_now TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (action TEXT, target TEXT) LANGUAGE plpgsql AS $$
DECLARE
  t record;
  p record;
  m INTEGER;
  v_removed BIGINT;
BEGIN
  FOR t IN SELECT * FROM warm_time_series ORDER BY table_name LOOP
    FOR m IN -1 .. 3 LOOP
      IF warm_ensure_partition(t.table_name, p_now + make_interval(months => m)) THEN
        action := 'created partition'; target := t.table_name || '_p' || to_char(date_trunc('month', (p_now + make_interval(months => m)) AT TIME ZONE 'UTC'), 'YYYY_MM');
        RETURN NEXT;
      END IF;
    END LOOP;
    CONTINUE WHEN t.keep IS NULL;
    FOR p IN
      SELECT c.relname
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = t.table_name::regclass
         AND c.relname ~ '_p\d{4}_\d{2}$'
         AND ((to_date(right(c.relname, 7), 'YYYY_MM')::TIMESTAMP + INTERVAL '1 month') AT TIME ZONE 'UTC') <= p_now - t.keep
    LOOP
      EXECUTE format('DROP TABLE %I', p.relname);
      action := 'dropped expired partition'; target := p.relname;
      RETURN NEXT;
    END LOOP;
    EXECUTE format('DELETE FROM %I WHERE %I < $1', t.table_name || '_default', t.time_column) USING p_now - t.keep;
    GET DIAGNOSTICS v_removed = ROW_COUNT;
    IF v_removed > 0 THEN
      action := 'deleted expired rows'; target := t.table_name || '_default (' || v_removed || ')';
      RETURN NEXT;
    END IF;
  END LOOP;
END $$;

SELECT warm_partition_by_time(table_name) FROM warm_time_series ORDER BY table_name;
SELECT count(*) FROM warm_store_maintain();

-- The candle aggregates as ordinary materialized views with the same columns, buckets (aligned to
-- UTC midnight, as time_bucket is) and values as the TimescaleDB continuous aggregates.
CREATE MATERIALIZED VIEW candles_5m AS
SELECT date_bin(INTERVAL '5 minutes', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket, symbol, exchange,
       (array_agg(open ORDER BY time))[1] AS open, max(high) AS high, min(low) AS low, (array_agg(close ORDER BY time DESC))[1] AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY 1, symbol, exchange;

CREATE MATERIALIZED VIEW candles_15m AS
SELECT date_bin(INTERVAL '15 minutes', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket, symbol, exchange,
       (array_agg(open ORDER BY time))[1] AS open, max(high) AS high, min(low) AS low, (array_agg(close ORDER BY time DESC))[1] AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY 1, symbol, exchange;

CREATE MATERIALIZED VIEW candles_1h AS
SELECT date_bin(INTERVAL '1 hour', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket, symbol, exchange,
       (array_agg(open ORDER BY time))[1] AS open, max(high) AS high, min(low) AS low, (array_agg(close ORDER BY time DESC))[1] AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY 1, symbol, exchange;

CREATE MATERIALIZED VIEW candles_4h AS
SELECT date_bin(INTERVAL '4 hours', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket, symbol, exchange,
       (array_agg(open ORDER BY time))[1] AS open, max(high) AS high, min(low) AS low, (array_agg(close ORDER BY time DESC))[1] AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY 1, symbol, exchange;

CREATE MATERIALIZED VIEW candles_1d AS
SELECT date_bin(INTERVAL '1 day', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket, symbol, exchange,
       (array_agg(open ORDER BY time))[1] AS open, max(high) AS high, min(low) AS low, (array_agg(close ORDER BY time DESC))[1] AS close,
       sum(volume) AS volume, sum(notional_usd) AS notional_usd, sum(trades)::BIGINT AS trades, count(*)::INTEGER AS candles
FROM candles_1m GROUP BY 1, symbol, exchange;

-- Unique indexes: the lookup path, and what REFRESH ... CONCURRENTLY needs.
CREATE UNIQUE INDEX candles_5m_key  ON candles_5m  (symbol, exchange, bucket);
CREATE UNIQUE INDEX candles_15m_key ON candles_15m (symbol, exchange, bucket);
CREATE UNIQUE INDEX candles_1h_key  ON candles_1h  (symbol, exchange, bucket);
CREATE UNIQUE INDEX candles_4h_key  ON candles_4h  (symbol, exchange, bucket);
CREATE UNIQUE INDEX candles_1d_key  ON candles_1d  (symbol, exchange, bucket);

-- Recomputes every candle view without blocking readers; the writer calls it after writing candles.
CREATE FUNCTION warm_refresh_candle_views() RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  v record;
  n INTEGER := 0;
BEGIN
  FOR v IN SELECT view_name FROM warm_candle_aggregates ORDER BY bucket LOOP
    EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I', v.view_name);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
