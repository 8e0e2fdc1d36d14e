#!/usr/bin/env bash
# A local Solace cluster on loopback, for trying scale-out and for the chaos run:
#
#   PostgreSQL primary (127.0.0.1:54341) with a synchronous streaming replica (54342): the
#   primary acknowledges a commit only once the replica has flushed it, so promoting the
#   replica loses nothing that was acknowledged;
#   N stateless `solace server` nodes (8801, 8802, …) that find the writable primary through a
#   multi-host connection string (target_session_attrs=read-write);
#   HAProxy on 127.0.0.1:8800 in front, checking each node's /readyz.
#
# Usage: scripts/cluster.sh up [NODES]      start (default 3 nodes; prints the URL)
#        scripts/cluster.sh down            stop everything and delete the state
#        scripts/cluster.sh status          what runs
#        scripts/cluster.sh kill-node I     kill -9 node I        start-node I   start it again
#        scripts/cluster.sh restart-pg      restart the primary
#        scripts/cluster.sh failover        stop the primary, promote the replica, wait until
#                                           it accepts writes (pg_is_in_recovery() = false)
# Debian's postgresql and haproxy are installed with apt when missing. The solace binary is
# $SOLACE_BIN (default: the debug build, built if missing). State lives in $SOLACE_CLUSTER_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$(id -u)" = 0 ]; then default_dir=/var/cache/solace/cluster; else default_dir="$HOME/.cache/solace/cluster"; fi
dir="${SOLACE_CLUSTER_DIR:-$default_dir}"
primary_port=54341
replica_port=54342
lb_port=8800
first_node_port=8801
db_url="postgres://postgres@127.0.0.1:${primary_port},127.0.0.1:${replica_port}/solace?target_session_attrs=read-write&connect_timeout=2"

log() { echo "cluster: $(date +%T.%N | cut -c1-12) $*" >&2; }

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
ensure_packages() {
  local missing=()
  [ -x "$(find_bin)/initdb" ] 2>/dev/null || missing+=(postgresql)
  command -v haproxy >/dev/null || missing+=(haproxy)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (Debian packages)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  fi
  pgbin="$(find_bin)"
}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ready() { "$pgbin/pg_isready" -h 127.0.0.1 -p "$1" -U postgres -q 2>/dev/null; }
psql_at() { "$pgbin/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -At -c "$2"; }

solace_bin() {
  local bin="${SOLACE_BIN:-${CARGO_TARGET_DIR:-$here/target}/debug/solace}"
  if [ ! -x "$bin" ]; then
    log "building the solace binary…"
    (cd "$here" && cargo build -q -p solace-cli --bin solace) >&2
  fi
  echo "$bin"
}

pg_start() { # DATA PORT [extra -c settings]
  local data="$1" port="$2"; shift 2
  as_pg "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir $*" start >/dev/null
}

node_start() { # INDEX
  local i="$1" port=$((first_node_port + $1 - 1))
  SOLACE_SERVER_LISTEN="127.0.0.1:$port" SOLACE_SERVER_DATABASE="$db_url" \
    SOLACE_SERVER_DRAIN_SECS="${SOLACE_CLUSTER_DRAIN_SECS:-1}" \
    SOLACE_SERVER_MAILBOX_CAP="${SOLACE_CLUSTER_MAILBOX_CAP:-100000}" \
    SOLACE_SERVER_MAILBOX_SENDER_CAP="${SOLACE_CLUSTER_MAILBOX_CAP:-100000}" \
    SOLACE_SERVER_RATE_PER_SECOND="${SOLACE_CLUSTER_RATE:-2000}" \
    SOLACE_SERVER_RATE_BURST="${SOLACE_CLUSTER_RATE:-2000}" \
    SOLACE_SERVER_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=warn \
    nohup "$(solace_bin)" server >>"$dir/node$i.log" 2>&1 &
  echo $! >"$dir/node$i.pid"
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "node $i did not become ready; see $dir/node$i.log"
  return 1
}

up() {
  local nodes="${1:-3}"
  ensure_packages
  if [ -f "$dir/nodes" ]; then log "already up (scripts/cluster.sh down first)"; exit 1; fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  log "PostgreSQL primary on $primary_port…"
  as_pg "$pgbin/initdb" -D "$dir/pg1" -U postgres --auth=trust -E UTF8 >/dev/null
  pg_start "$dir/pg1" "$primary_port" "-c wal_level=replica -c max_wal_senders=5 -c max_connections=300 -c synchronous_commit=on"
  psql_at "$primary_port" "CREATE DATABASE solace" >/dev/null
  log "synchronous replica on $replica_port…"
  as_pg "$pgbin/pg_basebackup" -d "host=127.0.0.1 port=$primary_port user=postgres application_name=replica1" \
    -D "$dir/pg2" -R -X stream -c fast >/dev/null
  # The replica never waits for a standby of its own (also after it is promoted).
  pg_start "$dir/pg2" "$replica_port" "-c max_connections=300 -c synchronous_standby_names="
  psql_at "$primary_port" "ALTER SYSTEM SET synchronous_standby_names = 'replica1'" >/dev/null
  psql_at "$primary_port" "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 100); do
    [ "$(psql_at "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] && break
    sleep 0.1
  done
  [ "$(psql_at "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] \
    || { log "the replica did not become synchronous"; exit 1; }
  echo "$nodes" >"$dir/nodes"
  for i in $(seq 1 "$nodes"); do
    log "server node $i on $((first_node_port + i - 1))…"
    node_start "$i"
  done
  {
    echo "global"
    echo "  maxconn 4096"
    echo "defaults"
    echo "  mode http"
    echo "  timeout connect 2s"
    echo "  timeout client 60s"
    echo "  timeout server 60s"
    echo "  retries 3"
    echo "  option redispatch"
    # Pushes and sends are idempotent (mutation sequence, client message id): safe to retry.
    echo "  retry-on conn-failure empty-response response-timeout 503"
    echo "frontend solace"
    echo "  bind 127.0.0.1:$lb_port"
    echo "  default_backend nodes"
    echo "backend nodes"
    echo "  balance roundrobin"
    echo "  option httpchk GET /readyz"
    echo "  option forwardfor"
    for i in $(seq 1 "$nodes"); do
      echo "  server node$i 127.0.0.1:$((first_node_port + i - 1)) check inter 500ms fall 2 rise 1"
    done
  } >"$dir/haproxy.cfg"
  haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid"
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$lb_port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  log "up: $nodes nodes behind http://127.0.0.1:$lb_port (PostgreSQL $primary_port → $replica_port)"
  echo "http://127.0.0.1:$lb_port"
}

stop_pid_file() { # FILE [SIGNAL]
  [ -f "$1" ] || return 0
  local pid; pid="$(cat "$1")"
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$1"
}

down() {
  pgbin="$(find_bin || true)"
  for f in "$dir"/node*.pid; do [ -e "$f" ] && stop_pid_file "$f" KILL; done
  stop_pid_file "$dir/haproxy.pid"
  for data in "$dir/pg1" "$dir/pg2"; do
    [ -f "$data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
  log "down"
}

status() {
  pgbin="$(find_bin)"
  for port in "$primary_port" "$replica_port"; do
    if pg_ready "$port"; then
      echo "postgres $port: up, in recovery: $(psql_at "$port" "SELECT pg_is_in_recovery()")"
    else
      echo "postgres $port: down"
    fi
  done
  for f in "$dir"/node*.pid; do
    [ -e "$f" ] || continue
    local i="${f##*/node}"; i="${i%.pid}"
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "node $i: up"; else echo "node $i: down"; fi
  done
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  down) down ;;
  status) status ;;
  kill-node) stop_pid_file "$dir/node$2.pid" KILL ;;
  start-node) pgbin="$(find_bin)"; node_start "$2" ;;
  restart-pg)
    pgbin="$(find_bin)"
    # Same options as at the start (pg_ctl keeps them in postmaster.opts).
    as_pg "$pgbin/pg_ctl" -D "$dir/pg1" -m fast -w -t 60 restart >/dev/null
    ;;
  failover)
    pgbin="$(find_bin)"
    as_pg "$pgbin/pg_ctl" -D "$dir/pg1" -m immediate stop >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$dir/pg2" -w promote >/dev/null
    for _ in $(seq 1 100); do
      [ "$(psql_at "$replica_port" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && { echo promoted; exit 0; }
      sleep 0.1
    done
    log "the replica did not leave recovery"; exit 1
    ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
