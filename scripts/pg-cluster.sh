#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests.
#
#   scripts/pg-cluster.sh start DIR   initialise a cluster in DIR, start it on a free port
#                                     on 127.0.0.1, create database holysheep_test, and print
#                                     its URL (postgres://postgres@127.0.0.1:PORT/holysheep_test)
#                                     as the only line on stdout
#   scripts/pg-cluster.sh stop DIR    stop that cluster (fast shutdown); a no-op if not running
#
# Uses Debian's `postgresql` package (binaries in /usr/lib/postgresql/*/bin). PostgreSQL
# refuses to run as root, so when run as root the cluster belongs to, and is run as, the
# `postgres` OS user. Durability is switched off (fsync, synchronous_commit,
# full_page_writes): the data is thrown away anyway. Progress and errors go to stderr; the
# server's own log is DIR/postgres.log.
set -euo pipefail

DB_NAME=holysheep_test
DB_USER=postgres

log() { printf 'pg-cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

# The directory holding initdb/pg_ctl/postgres: the newest /usr/lib/postgresql/N/bin, else PATH.
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
    echo "$dir"
    return
  fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  die "PostgreSQL server binaries not found (install Debian's 'postgresql' package)"
}

# Run a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      local quoted
      printf -v quoted '%q ' "$@"
      su -s /bin/sh postgres -c "$quoted"
    fi
  else
    "$@"
  fi
}

free_port() {
  local py
  for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1; then
      "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
      return
    fi
  done
  # No Python: probe random high ports until one is not listening.
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "could not find a free TCP port"
}

cmd_start() {
  local dir=$1 bindir data sock logfile port attempt
  bindir=$(pg_bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  data="$dir/data"
  sock="$dir/sock"
  logfile="$dir/postgres.log"
  [[ -e "$data/PG_VERSION" ]] && die "$data already holds a cluster; stop it and use a fresh DIR"
  (( ${#sock} < 90 )) || die "DIR path too long for a unix socket: $sock"

  mkdir -p "$data" "$sock"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "OS user 'postgres' does not exist (it comes with Debian's postgresql package)"
    chown -R postgres:postgres "$dir"
  fi
  chmod 700 "$data"
  as_owner test -w "$data" || die "the postgres user cannot reach $data (pick a DIR under /tmp, e.g. from mktemp -d)"

  log "initdb into $data ($bindir)"
  local initdb_out
  if ! initdb_out=$(as_owner "$bindir/initdb" -D "$data" -A trust -U "$DB_USER" -E UTF8 --locale=C.UTF-8 --no-sync 2>&1); then
    # Some systems lack the C.UTF-8 locale; the plain C locale always exists.
    rm -rf "${data:?}"/* 2>/dev/null || true
    if ! initdb_out=$(as_owner "$bindir/initdb" -D "$data" -A trust -U "$DB_USER" -E UTF8 --locale=C --no-sync 2>&1); then
      printf '%s\n' "$initdb_out" >&2
      die "initdb failed"
    fi
  fi

  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # Written to postgresql.auto.conf (read last), so a retry simply overrides the port.
    as_owner tee "$data/postgresql.auto.conf" >/dev/null <<EOF
# written by scripts/pg-cluster.sh: a throwaway test cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
log_min_messages = warning
EOF
    log "starting on 127.0.0.1:$port (attempt $attempt)"
    if as_owner "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start >/dev/null 2>&1; then
      break
    fi
    if grep -qiE 'could not bind|address already in use' "$logfile" 2>/dev/null && (( attempt < 5 )); then
      log "port $port was taken; retrying with another"
      continue
    fi
    tail -n 30 "$logfile" >&2 2>/dev/null || true
    die "pg_ctl start failed (log: $logfile)"
  done

  as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U "$DB_USER" -d postgres \
    -c "CREATE DATABASE $DB_NAME" >/dev/null || die "could not create database $DB_NAME"
  echo "$port" >"$dir/port"
  log "ready"
  echo "postgres://$DB_USER@127.0.0.1:$port/$DB_NAME"
}

cmd_stop() {
  local dir=$1 bindir data
  data="$dir/data"
  if [[ ! -f "$data/postmaster.pid" ]]; then
    log "no running cluster in $dir"
    return 0
  fi
  bindir=$(pg_bindir)
  log "stopping the cluster in $dir"
  as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 \
    || die "pg_ctl stop failed"
}

[[ $# -eq 2 ]] || usage
case "$1" in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  *) usage ;;
esac
