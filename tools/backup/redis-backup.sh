#!/usr/bin/env bash
# Backs up the hot store: a fresh RDB snapshot (BGSAVE, waited for) and a copy of the AOF directory
# (Redis 7 multi-part AOF: base + increments + manifest), with checksums.
#
#   tools/backup/redis-backup.sh [redis-url] [backup-dir]
#
# Needs filesystem access to the Redis data directory (run it on the Redis host or in its pod).
# REDIS_URL / BACKUP_DIR may be given in the environment. Prints the backup directory last.
set -euo pipefail

url="${1:-${REDIS_URL:-redis://127.0.0.1:6379}}"
dir="${2:-${BACKUP_DIR:-./backups/redis}}"
cli=(redis-cli -u "$url" --no-auth-warning)

data_dir="$("${cli[@]}" CONFIG GET dir | sed -n 2p)"
rdb_name="$("${cli[@]}" CONFIG GET dbfilename | sed -n 2p)"
aof_on="$("${cli[@]}" CONFIG GET appendonly | sed -n 2p)"
aof_dir_name="$("${cli[@]}" CONFIG GET appenddirname | sed -n 2p)"

# Wait for a snapshot that started after this point: the rdb_saves counter (Redis 7) moves on each
# completed save. LASTSAVE has one-second resolution, so a save finishing in the same second as the
# previous one would look like no save at all.
saves() { "${cli[@]}" INFO persistence | tr -d '\r' | sed -n "s/^$1://p"; }
before="$(saves rdb_saves)"
"${cli[@]}" BGSAVE > /dev/null || true # "already in progress" is fine: we wait for a newer save
for _ in $(seq 1 600); do
  if (( $(saves rdb_saves) > before )) && [[ "$(saves rdb_bgsave_in_progress)" == "0" ]]; then break; fi
  sleep 0.2
done
if (( $(saves rdb_saves) <= before )); then
  echo "BGSAVE did not finish within 120 s" >&2
  exit 1
fi
status="$("${cli[@]}" INFO persistence | tr -d '\r' | sed -n 's/^rdb_last_bgsave_status://p')"
[[ "$status" == "ok" ]] || { echo "BGSAVE failed: $status" >&2; exit 1; }

target="$dir/redis-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$target"
cp "$data_dir/$rdb_name" "$target/dump.rdb"
if [[ "$aof_on" == "yes" && -d "$data_dir/$aof_dir_name" ]]; then
  cp -r "$data_dir/$aof_dir_name" "$target/appendonlydir"
fi
redis-check-rdb "$target/dump.rdb" > "$target/check-rdb.log" 2>&1 || { echo "the RDB copy does not check out: $target/check-rdb.log" >&2; exit 1; }
(cd "$target" && find . -type f ! -name SHA256SUMS ! -name '*.log' -print0 | xargs -0 sha256sum > SHA256SUMS)
"${cli[@]}" DBSIZE | sed 's/^/keys at backup: /' > "$target/meta"
echo "redis backup: $(du -sh "$target" | cut -f1), $(cat "$target/meta")" >&2
echo "$target"
