#!/usr/bin/env bash
# Backs up the warm store with pg_dump (custom format, compressed), checks the archive is readable,
# and removes archives older than the retention (seed 003: daily backups kept 30 days).
#
#   tools/backup/pg-backup.sh [database-url] [backup-dir]
#
# DATABASE_URL / BACKUP_DIR / BACKUP_RETENTION_DAYS may be given in the environment instead.
# Prints the archive path on the last line. TimescaleDB: pg_dump of a TimescaleDB database is
# restored with pg-restore.sh, which wraps pg_restore in timescaledb_pre_restore/post_restore.
set -euo pipefail

url="${1:-${DATABASE_URL:?DATABASE_URL or an argument is required}}"
dir="${2:-${BACKUP_DIR:-./backups/postgres}}"
retention_days="${BACKUP_RETENTION_DAYS:-30}"
mkdir -p "$dir"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
db="$(psql "$url" -Atqc 'SELECT current_database()')"
archive="$dir/${db}-${stamp}.dump"

pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$archive.partial" "$url"
# An archive that pg_restore cannot list is not a backup.
pg_restore --list "$archive.partial" > "$archive.toc"
mv "$archive.partial" "$archive"
sha256sum "$archive" > "$archive.sha256"
psql "$url" -Atqc "SELECT 'schema version ' || coalesce(max(version), 0) FROM warm_schema_history" > "$archive.meta" 2>/dev/null || true

find "$dir" -maxdepth 1 -name '*.dump' -mtime "+$retention_days" -print -delete | sed 's/^/expired: /' >&2 || true
find "$dir" -maxdepth 1 \( -name '*.dump.toc' -o -name '*.dump.sha256' -o -name '*.dump.meta' \) -mtime "+$retention_days" -delete || true

echo "postgres backup: $(du -h "$archive" | cut -f1) in $(grep -c ';' "$archive.toc" || true) catalog entries" >&2
echo "$archive"
