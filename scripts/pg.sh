#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster for the tests and print its URL.
# usage: scripts/pg.sh start DIR PORT | scripts/pg.sh stop DIR
set -euo pipefail
action=$1
dir=$2
port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "no PostgreSQL server binaries found (apt-get install postgresql)" >&2; exit 3; }
# pg_ctl refuses to run as root: run the cluster as the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "cd / && $*"; else bash -c "$*"; fi; }
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb -D '$dir/data' -U postgres -A trust -E UTF8 --no-locale >'$dir/initdb.log' 2>&1"
    as_pg "$bin/pg_ctl -D '$dir/data' -l '$dir/server.log' -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' -w start >/dev/null"
    as_pg "$bin/createdb -h 127.0.0.1 -p $port -U postgres diandan_test"
    as_pg "$bin/createdb -h 127.0.0.1 -p $port -U postgres diandan_migrate"
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/diandan_test"
    ;;
  stop)
    as_pg "$bin/pg_ctl -D '$dir/data' -m immediate stop >/dev/null" || true
    ;;
esac
