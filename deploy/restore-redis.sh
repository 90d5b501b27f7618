#!/usr/bin/env bash
# Restore a backup made by backup-redis.sh into the data directory of a STOPPED Redis server.
#
# Usage: deploy/restore-redis.sh [-h HOST] [-p PORT] [-r] BACKUP_DIR DATA_DIR
#   -h/-p  where that server listens (default 127.0.0.1:6379): the restore refuses to run while
#          anything answers there, because a running Redis would overwrite the files on shutdown
#   -r     restore the RDB snapshot only (leave the AOF out, e.g. when the AOF copy is damaged).
#          Redis with appendonly yes ignores an RDB when it finds no AOF and would start EMPTY, so
#          start it once with `--appendonly no`, then `redis-cli config set appendonly yes` (it
#          writes a new AOF from memory); later restarts with the normal config load that AOF.
# Files already in DATA_DIR are moved to DATA_DIR/pre-restore-<UTC time>/, never deleted.
# Afterwards start Redis (systemctl start redis-server) and check: redis-cli dbsize.
set -euo pipefail

host=127.0.0.1
port=6379
rdb_only=no

usage() {
  sed -n '4,4p' "$0" | sed 's/^# //' >&2
  exit 2
}

while getopts "h:p:r" opt; do
  case "$opt" in
    h) host=$OPTARG ;;
    p) port=$OPTARG ;;
    r) rdb_only=yes ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
backup=$1
data_dir=$2

[ -f "$backup/dump.rdb" ] || { echo "restore: $backup/dump.rdb not found" >&2; exit 1; }
(cd "$backup" && sha256sum --quiet -c SHA256SUMS) || { echo "restore: backup is damaged (SHA256SUMS)" >&2; exit 1; }

if command -v redis-cli >/dev/null; then
  answer=$(redis-cli --no-auth-warning -h "$host" -p "$port" ping 2>&1 || true)
  case "$answer" in
    *"Could not connect"* | *"Connection refused"* | "") ;;
    *) echo "restore: a Redis server answers on $host:$port; stop it first" >&2; exit 1 ;;
  esac
fi
if command -v redis-check-rdb >/dev/null; then
  redis-check-rdb "$backup/dump.rdb" >/dev/null || { echo "restore: dump.rdb fails redis-check-rdb" >&2; exit 1; }
fi

mkdir -p "$data_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
aside="$data_dir/pre-restore-$stamp"
for name in dump.rdb appendonlydir appendonly.aof; do
  if [ -e "$data_dir/$name" ]; then
    mkdir -p "$aside"
    mv "$data_dir/$name" "$aside/"
  fi
done

cp -p "$backup/dump.rdb" "$data_dir/dump.rdb"
restored=(dump.rdb)
if [ "$rdb_only" = no ]; then
  for name in appendonlydir appendonly.aof; do
    if [ -e "$backup/$name" ]; then
      cp -a "$backup/$name" "$data_dir/$name"
      restored+=("$name")
    fi
  done
fi

# Give the files to whoever owns the data directory (the redis user), when run as root.
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %u:%g "$data_dir")
  for name in "${restored[@]}"; do chown -R "$owner" "$data_dir/$name"; done
fi

if [ -d "$aside" ]; then echo "restore: previous files kept in $aside"; fi
echo "restore: restored ${restored[*]} into $data_dir; start Redis there"
if [ "$rdb_only" = yes ]; then
  echo "restore: snapshot only: start Redis with --appendonly no, then: redis-cli config set appendonly yes"
fi
