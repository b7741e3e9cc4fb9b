#!/usr/bin/env bash
# Start the real services the full test suite and the production-like stack use:
#   PostgreSQL 15 on 127.0.0.1:5432 (role/db "satisfaction", password "satisfaction")
#   Redis on 127.0.0.1:6379
# Installs what is missing with apt-get. Idempotent: running it again leaves running services alone.
# Usage: scripts/services.sh [start|stop|env]
set -euo pipefail

STATE_DIR=${SERVICES_DIR:-/tmp/satisfaction-services}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
PG_URL="postgres://satisfaction:satisfaction@127.0.0.1:${PG_PORT}/satisfaction"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "services: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { apt_install postgresql; dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); }
  echo "$dir"
}

# PostgreSQL refuses to run as root: run its commands as the "postgres" user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin data
  bin=$(pg_bin)
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    echo "services: PostgreSQL already up on 127.0.0.1:${PG_PORT}"
  else
    data="$STATE_DIR/pg"
    mkdir -p "$STATE_DIR"
    if [ "$(id -u)" -eq 0 ]; then id postgres >/dev/null 2>&1 || useradd --system postgres; chown postgres "$STATE_DIR"; fi
    if [ ! -s "$data/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # Test-only tuning: durability is not needed for throwaway test databases.
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p ${PG_PORT} -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    echo "services: PostgreSQL started on 127.0.0.1:${PG_PORT} (data in $data)"
  fi
  local psql="$bin/psql -h 127.0.0.1 -p $PG_PORT -U postgres -v ON_ERROR_STOP=1 -qtA"
  if [ "$($psql -c "SELECT 1 FROM pg_roles WHERE rolname='satisfaction'")" != "1" ]; then
    $psql -c "CREATE ROLE satisfaction LOGIN CREATEDB PASSWORD 'satisfaction'"
  fi
  if [ "$($psql -c "SELECT 1 FROM pg_database WHERE datname='satisfaction'")" != "1" ]; then
    $psql -c "CREATE DATABASE satisfaction OWNER satisfaction"
  fi
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    echo "services: Redis already up on 127.0.0.1:${REDIS_PORT}"
    return
  fi
  mkdir -p "$STATE_DIR"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
    --dir "$STATE_DIR" --logfile "$STATE_DIR/redis.log" --pidfile "$STATE_DIR/redis.pid"
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  echo "services: Redis started on 127.0.0.1:${REDIS_PORT}"
}

stop_all() {
  local bin
  bin=$(pg_bin)
  [ -d "$STATE_DIR/pg" ] && as_pg "$bin/pg_ctl" -D "$STATE_DIR/pg" -m fast stop >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  echo "services: stopped"
}

case "${1:-start}" in
  start) start_postgres; start_redis
         echo "export DATABASE_URL=$PG_URL"
         echo "export CELERY_BROKER_URL=redis://127.0.0.1:${REDIS_PORT}/0" ;;
  stop) stop_all ;;
  env) echo "export DATABASE_URL=$PG_URL"; echo "export CELERY_BROKER_URL=redis://127.0.0.1:${REDIS_PORT}/0" ;;
  *) echo "usage: $0 [start|stop|env]" >&2; exit 2 ;;
esac
