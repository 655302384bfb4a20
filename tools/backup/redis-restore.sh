#!/usr/bin/env bash
# Puts a redis-backup.sh backup in place as the data of a STOPPED Redis. With the AOF directory in
# the backup and RESTORE_FROM=aof (the default when present) Redis replays the AOF (the newer data,
# at most about a second behind); with RESTORE_FROM=rdb it loads the RDB snapshot, and the AOF is
# rebuilt from it once Redis runs (CONFIG SET appendonly yes, see docs/warm-store.md).
#
#   tools/backup/redis-restore.sh <backup-dir> <redis-data-dir>
set -euo pipefail

backup="${1:?backup directory required}"
data_dir="${2:?Redis data directory required}"
from="${RESTORE_FROM:-}"

(cd "$backup" && sha256sum --check --quiet SHA256SUMS)
if [[ -z "$from" ]]; then
  if [[ -d "$backup/appendonlydir" ]]; then from=aof; else from=rdb; fi
fi
mkdir -p "$data_dir"
if [[ -e "$data_dir/dump.rdb" || -d "$data_dir/appendonlydir" ]]; then
  aside="$data_dir/pre-restore-$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$aside"
  [[ -e "$data_dir/dump.rdb" ]] && mv "$data_dir/dump.rdb" "$aside/"
  [[ -d "$data_dir/appendonlydir" ]] && mv "$data_dir/appendonlydir" "$aside/"
  echo "previous data moved to $aside" >&2
fi
cp "$backup/dump.rdb" "$data_dir/dump.rdb"
if [[ "$from" == "aof" ]]; then
  cp -r "$backup/appendonlydir" "$data_dir/appendonlydir"
  echo "restored RDB and AOF: start Redis as usual (appendonly yes); it replays the AOF" >&2
else
  echo "restored RDB only: start Redis with --appendonly no, then: redis-cli CONFIG SET appendonly yes && redis-cli CONFIG REWRITE" >&2
fi
