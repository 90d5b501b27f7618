#!/usr/bin/env bash
# Back up the bot's Redis: a fresh RDB snapshot (BGSAVE, waited for) plus a copy of the AOF.
#
# Usage: REDISCLI_AUTH=<password> deploy/backup-redis.sh [-h HOST] [-p PORT] [-d DATA_DIR]
#                                                        [-t TIMEOUT_SECONDS] DEST
# Run it on the Redis machine: it copies files out of Redis's data directory (asked from Redis
# with CONFIG GET, or given with -d where CONFIG is disabled). The password is read from
# REDISCLI_AUTH so it never shows in the process list. Creates DEST/redis-<UTC time>/ holding
# dump.rdb, the AOF (appendonlydir/ on Redis 7, appendonly.aof on 6), SHA256SUMS and INFO.txt,
# and prints that directory's path as its last line.
set -euo pipefail

host=127.0.0.1
port=6379
data_dir=""
timeout=600

usage() {
  sed -n '4,5p' "$0" | sed 's/^# //' >&2
  exit 2
}

while getopts "h:p:d:t:" opt; do
  case "$opt" in
    h) host=$OPTARG ;;
    p) port=$OPTARG ;;
    d) data_dir=$OPTARG ;;
    t) timeout=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
dest=$1

command -v redis-cli >/dev/null || { echo "backup: redis-cli not found (Debian: redis-tools)" >&2; exit 1; }

cli() { redis-cli --no-auth-warning -h "$host" -p "$port" "$@"; }
info_field() { cli info persistence | tr -d '\r' | sed -n "s/^$1://p"; }
config_value() { cli config get "$1" | tr -d '\r' | sed -n 2p; }

wait_for() {  # wait_for FIELD VALUE: until INFO persistence shows FIELD:VALUE, bounded
  local deadline=$((SECONDS + timeout))
  until [ "$(info_field "$1")" = "$2" ]; do
    [ $SECONDS -lt $deadline ] || { echo "backup: timed out waiting for $1=$2" >&2; exit 1; }
    sleep 0.2
  done
}

[ "$(cli ping | tr -d '\r')" = PONG ] || { echo "backup: Redis at $host:$port does not answer PING" >&2; exit 1; }

[ -n "$data_dir" ] || data_dir=$(config_value dir)
[ -d "$data_dir" ] || { echo "backup: data directory '$data_dir' not found; pass -d" >&2; exit 1; }
rdb_name=$(config_value dbfilename)
rdb_name=${rdb_name:-dump.rdb}
aof_on=$(config_value appendonly)
aof_dir=$(config_value appenddirname)      # Redis 7: a directory of AOF parts
aof_file=$(config_value appendfilename)    # Redis 6: one file

# 1. A snapshot that is certainly newer than this moment. LASTSAVE counts whole seconds, so start
#    in a later second than the last save to be able to tell ours apart.
wait_for rdb_bgsave_in_progress 0
before=$(cli lastsave | tr -d '\r')
while [ "$(cli time | tr -d '\r' | sed -n 1p)" -le "$before" ]; do sleep 0.2; done
cli bgsave schedule >/dev/null
deadline=$((SECONDS + timeout))
until [ "$(cli lastsave | tr -d '\r')" -gt "$before" ] && [ "$(info_field rdb_bgsave_in_progress)" = 0 ]; do
  [ $SECONDS -lt $deadline ] || { echo "backup: BGSAVE did not finish within ${timeout}s" >&2; exit 1; }
  sleep 0.2
done
[ "$(info_field rdb_last_bgsave_status)" = ok ] || { echo "backup: BGSAVE failed; see the Redis log" >&2; exit 1; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$dest/redis-$stamp"
work="$target.partial"
mkdir -p "$work"
cp -p "$data_dir/$rdb_name" "$work/dump.rdb"

# 2. The AOF. It only grows between rewrites, and Redis loads a copy whose tail was cut mid-write
#    (aof-load-truncated), so copying it live is safe once no rewrite can swap its files.
if [ "$aof_on" = yes ]; then
  rewrite_pct=$(config_value auto-aof-rewrite-percentage)
  cli config set auto-aof-rewrite-percentage 0 >/dev/null
  trap 'cli config set auto-aof-rewrite-percentage "$rewrite_pct" >/dev/null' EXIT
  wait_for aof_rewrite_in_progress 0
  if [ -n "$aof_dir" ] && [ -d "$data_dir/$aof_dir" ]; then
    cp -a "$data_dir/$aof_dir" "$work/appendonlydir"
  elif [ -f "$data_dir/$aof_file" ]; then
    cp -p "$data_dir/$aof_file" "$work/appendonly.aof"
  fi
  cli config set auto-aof-rewrite-percentage "$rewrite_pct" >/dev/null
  trap - EXIT
fi

{
  echo "created_utc=$stamp"
  echo "source=$host:$port $data_dir"
  cli info server | tr -d '\r' | grep -E '^redis_version:'
  cli info keyspace | tr -d '\r' | grep -E '^db[0-9]+:' || true
} >"$work/INFO.txt"
(cd "$work" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)
mv "$work" "$target"
echo "$target"
