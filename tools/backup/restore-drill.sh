#!/usr/bin/env bash
# The restore drill, run end to end on scratch copies (never on the live stores):
#  PostgreSQL: a scratch database is migrated and filled, backed up with pg-backup.sh, restored with
#              pg-restore.sh into a second database, and both are compared table by table.
#  Redis:      a scratch Redis started from docker/redis/redis.conf gets keys and a stream with a
#              consumer group, is backed up with redis-backup.sh, stopped, restored with
#              redis-restore.sh (AOF, then RDB only) into fresh data directories, and compared.
# Exits non-zero on any difference. Prints the time each restore took (RTO evidence, seed 003: 15 min).
#
#   tools/backup/restore-drill.sh [admin-database-url]     (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
admin="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
work="$(mktemp -d)"
suffix="$(date +%s)_$$"
src_db="drill_src_$suffix"
dst_db="drill_dst_$suffix"
base="${admin%/*}"
port=$((20000 + RANDOM % 20000))
cleanup() {
  redis-cli -p "$port" shutdown nosave > /dev/null 2>&1 || true
  redis-cli -p "$((port + 1))" shutdown nosave > /dev/null 2>&1 || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS \"$src_db\" WITH (FORCE)" -c "DROP DATABASE IF EXISTS \"$dst_db\" WITH (FORCE)" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== PostgreSQL drill"
psql "$admin" -qc "CREATE DATABASE \"$src_db\" TEMPLATE template0"
(cd "$root" && DATABASE_URL="$base/$src_db" LOG_LEVEL=warn node -r @swc-node/register tools/migrate/migrate.ts)
psql "$base/$src_db" -q > /dev/null <<'SQL'
SELECT count(*) FROM warm_store_maintain('2026-01-15');
INSERT INTO candles_1m SELECT timestamptz '2026-01-01' + i * interval '1 minute', 'S' || (i % 10), 'all', 100 + i % 7, 110, 90, 105, 1.5, 150, 3 FROM generate_series(0, 99999) i;
INSERT INTO liquidations SELECT timestamptz '2026-01-01' + i * interval '1 second', 'e' || i, 'binance', 'perp', 'BTC-USDT', 'BTC', 'USDT', 'BTCUSDT', 'long', 'sell', 64000, 'average_fill', 1.5, 96000, 'sampled_1s', false, now() FROM generate_series(1, 5000) i;
INSERT INTO flow_snapshots (time, coin, time_window, redis_key, final, total_trades, net_flow, written_at, data)
  SELECT timestamptz '2026-01-01' + i * interval '5 minutes', 'BTC', '5m', 'liquidity-flow:BTC:5m:' || i, true, i, 0.5, now(), jsonb_build_object('n', i) FROM generate_series(1, 1000) i;
INSERT INTO tokens (id, cmc_id, name, symbol, slug) VALUES (1, 1, 'Bitcoin', 'BTC', 'bitcoin');
INSERT INTO token_metrics (token_id, "timestamp", price_usd, velocity) SELECT 1, timestamptz '2026-01-01' + i * interval '1 minute', 45000, 0.029 FROM generate_series(1, 2000) i;
INSERT INTO api_keys (key_hash, name) VALUES (encode(sha256('drill'), 'hex'), 'drill');
SELECT warm_refresh_candle_views();
SQL
archive="$("$here/pg-backup.sh" "$base/$src_db" "$work/pg")"
started=$(date +%s.%N)
"$here/pg-restore.sh" "$archive" "$base/$dst_db" > "$work/pg-restore.log"
pg_seconds=$(echo "$(date +%s.%N) - $started" | bc)
compare_sql="SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM (
  SELECT 'candles_1m' t, count(*) n FROM candles_1m UNION ALL SELECT 'liquidations', count(*) FROM liquidations
  UNION ALL SELECT 'flow_snapshots', count(*) FROM flow_snapshots UNION ALL SELECT 'token_metrics', count(*) FROM token_metrics
  UNION ALL SELECT 'api_keys', count(*) FROM api_keys UNION ALL SELECT 'candles_1h', count(*) FROM candles_1h
  UNION ALL SELECT 'history', count(*) FROM warm_schema_history UNION ALL SELECT 'sum_open', sum(open)::bigint FROM candles_1m) x"
src="$(psql "$base/$src_db" -Atc "$compare_sql")"
dst="$(psql "$base/$dst_db" -Atc "$compare_sql")"
echo "source:   $src"
echo "restored: $dst"
[[ "$src" == "$dst" ]] || { echo "PostgreSQL drill FAILED: restored data differs"; exit 1; }
# The restored database is a working warm store: the migration runner accepts its history.
(cd "$root" && DATABASE_URL="$base/$dst_db" LOG_LEVEL=warn node -r @swc-node/register tools/migrate/migrate.ts)
echo "PostgreSQL drill passed: restore took ${pg_seconds} s"

echo "== Redis drill"
mkdir -p "$work/redis-live"
redis-server "$root/docker/redis/redis.conf" --port "$port" --dir "$work/redis-live" --daemonize yes --logfile "$work/redis-live.log" --pidfile "$work/redis-live.pid"
for _ in $(seq 1 50); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$port" eval "for i = 1, 20000 do redis.call('SET', 'liquidity-flow:BTC:5m:' .. i, string.rep('x', 100), 'EX', 86400) end return 1" 0 > /dev/null
redis-cli -p "$port" eval "for i = 1, 5000 do redis.call('XADD', 'stream:{candles}', '*', 'p', i) end return 1" 0 > /dev/null
redis-cli -p "$port" XGROUP CREATE 'stream:{candles}' warm-writer 0 > /dev/null
redis-cli -p "$port" XREADGROUP GROUP warm-writer c1 COUNT 100 STREAMS 'stream:{candles}' '>' > /dev/null
redis-cli -p "$port" HSET 'positions:active:AAPL' symbol AAPL quantity 10 > /dev/null
state() { redis-cli -p "$1" DBSIZE; redis-cli -p "$1" XLEN 'stream:{candles}'; redis-cli -p "$1" XPENDING 'stream:{candles}' warm-writer | head -1; redis-cli -p "$1" HGET 'positions:active:AAPL' quantity; }
live="$(state "$port" | tr '\n' ' ')"
backup="$("$here/redis-backup.sh" "redis://127.0.0.1:$port" "$work/redis-backups")"
redis-cli -p "$port" shutdown nosave > /dev/null 2>&1 || true
for from in aof rdb; do
  started=$(date +%s.%N)
  RESTORE_FROM=$from "$here/redis-restore.sh" "$backup" "$work/redis-restored-$from" 2> /dev/null
  if [[ "$from" == "aof" ]]; then
    redis-server "$root/docker/redis/redis.conf" --port "$((port + 1))" --dir "$work/redis-restored-$from" --daemonize yes --logfile "$work/restored-$from.log"
  else
    redis-server "$root/docker/redis/redis.conf" --port "$((port + 1))" --dir "$work/redis-restored-$from" --appendonly no --daemonize yes --logfile "$work/restored-$from.log"
  fi
  for _ in $(seq 1 100); do [[ "$(redis-cli -p "$((port + 1))" ping 2> /dev/null)" == "PONG" ]] && break; sleep 0.1; done
  [[ "$from" == "rdb" ]] && redis-cli -p "$((port + 1))" CONFIG SET appendonly yes > /dev/null
  redis_seconds=$(echo "$(date +%s.%N) - $started" | bc)
  restored="$(state "$((port + 1))" | tr '\n' ' ')"
  echo "live:          $live"
  echo "restored ($from): $restored"
  [[ "$live" == "$restored" ]] || { echo "Redis drill FAILED ($from): restored data differs"; exit 1; }
  redis-cli -p "$((port + 1))" shutdown nosave > /dev/null 2>&1 || true
  sleep 0.3
  echo "Redis drill passed from $from: restore and start took ${redis_seconds} s"
done
echo "restore drill passed"
