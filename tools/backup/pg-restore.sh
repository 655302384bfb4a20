#!/usr/bin/env bash
# Restores a pg-backup.sh archive into a database (created when missing, refused when not empty
# unless RESTORE_FORCE=1), then checks the schema history and row counts.
#
#   tools/backup/pg-restore.sh <archive.dump> <target-database-url>
#
# On TimescaleDB the restore runs between timescaledb_pre_restore() and timescaledb_post_restore(),
# as TimescaleDB requires; on plain PostgreSQL it is a plain pg_restore.
set -euo pipefail

archive="${1:?archive path required}"
target="${2:?target database URL required}"

if [[ -f "$archive.sha256" ]]; then
  (cd "$(dirname "$archive")" && sha256sum --check --quiet "$(basename "$archive").sha256")
fi

db="$(basename "${target%%\?*}")"
admin="${target%/*}/postgres"
exists="$(psql "$admin" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'")"
if [[ -z "$exists" ]]; then
  psql "$admin" -qc "CREATE DATABASE \"$db\" TEMPLATE template0"
elif [[ "$(psql "$target" -Atqc "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" != "0" && "${RESTORE_FORCE:-0}" != "1" ]]; then
  echo "refusing to restore into non-empty database $db (set RESTORE_FORCE=1 to restore over it)" >&2
  exit 1
fi

timescale="$(psql "$target" -Atqc "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'")"
if [[ "$timescale" != "0" ]]; then
  psql "$target" -qc 'CREATE EXTENSION IF NOT EXISTS timescaledb' -c 'SELECT timescaledb_pre_restore()' > /dev/null
fi
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$target" "$archive"
if [[ "$timescale" != "0" ]]; then
  psql "$target" -qc 'SELECT timescaledb_post_restore()' > /dev/null
fi

psql "$target" -Atc "SELECT 'restored schema version ' || max(version) || ' (' || string_agg(DISTINCT mode, ',') || ' mode)' FROM warm_schema_history"
for table in candles_1m liquidations liquidation_signals flow_snapshots tokens token_metrics api_keys trading_decisions; do
  psql "$target" -Atc "SELECT '$table: ' || count(*) FROM $table"
done
