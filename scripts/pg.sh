#!/usr/bin/env bash
# Ensures a throwaway PostgreSQL server for tests is running on 127.0.0.1:${SOLACE_PG_PORT:-54329}
# and prints its URL on stdout. Idempotent: reuses a running server or an existing cluster.
# Installs Debian's postgresql package if no server binaries are found. Loopback only, trust auth.
set -euo pipefail
port="${SOLACE_PG_PORT:-54329}"
# As root the server runs as the `postgres` user, which cannot enter /root: use /var/cache.
if [ "$(id -u)" = 0 ]; then default_dir=/var/cache/solace/pg; else default_dir="$HOME/.cache/solace/pg"; fi
dir="${SOLACE_PG_DIR:-$default_dir}"
url="postgres://postgres@127.0.0.1:${port}/postgres"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin="$(find_bin || true)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg.sh: installing PostgreSQL (Debian package)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin="$(find_bin)"
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

ready() { "$bin/pg_isready" -h 127.0.0.1 -p "$port" -U postgres -q 2>/dev/null; }
if ready; then
  echo "$url"
  exit 0
fi
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
if [ ! -f "$dir/PG_VERSION" ]; then
  echo "pg.sh: creating a test cluster in $dir…" >&2
  as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
fi
# A pid file from a killed server would block the start. Right after a kill its postmaster may
# still be exiting or a zombie, which PostgreSQL's own lock-file check counts as running, so
# wait (up to 10 s) until the process is really gone.
zombie() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
pid=""
if [ -f "$dir/postmaster.pid" ]; then
  pid="$(head -n 1 "$dir/postmaster.pid")"
  for _ in $(seq 1 20); do
    { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || break
    zombie "$pid" || break
    sleep 0.5
  done
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || zombie "$pid"; then
    rm -f "$dir/postmaster.pid" "$dir/.s.PGSQL.$port.lock"
    pid=""
  fi
fi
if [ -z "$pid" ]; then
  echo "pg.sh: starting PostgreSQL on 127.0.0.1:$port…" >&2
  as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c max_connections=300" start >&2
else
  echo "pg.sh: a server (pid $pid) is starting in $dir; waiting for it…" >&2
fi
for _ in $(seq 1 60); do
  ready && break
  sleep 0.5
done
ready || { echo "pg.sh: PostgreSQL did not start; see $dir/server.log" >&2; exit 1; }
echo "$url"
