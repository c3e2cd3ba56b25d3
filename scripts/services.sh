#!/usr/bin/env bash
# Make sure the services the tests use are up. Today: PostgreSQL on 127.0.0.1:5432 (the
# tests create and drop a scratch database through it). Starts the local cluster when
# it is installed but stopped; otherwise says what is missing.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432

postgres_ready() {
  if command -v pg_isready >/dev/null; then
    pg_isready --quiet --host "$PG_HOST" --port "$PG_PORT"
  else
    (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
  fi
}

ensure_postgres() {
  if [[ -n "${CHROMA_TEST_POSTGRES_ADMIN_URL:-}" ]]; then
    echo "services: using PostgreSQL from CHROMA_TEST_POSTGRES_ADMIN_URL"
    return
  fi
  postgres_ready && return
  if ! command -v pg_ctlcluster >/dev/null || [[ ! -d /etc/postgresql ]]; then
    echo "services: PostgreSQL is not reachable on $PG_HOST:$PG_PORT and no local cluster" \
      "is installed. Start one, or point CHROMA_TEST_POSTGRES_ADMIN_URL at a server" \
      "where the user may create databases." >&2
    exit 1
  fi
  local version
  # shellcheck disable=SC2012  # the folders are version numbers; take the newest
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  echo "services: starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 60); do
    postgres_ready && return
    sleep 0.5
  done
  echo "services: PostgreSQL $version started but does not accept connections on" \
    "$PG_HOST:$PG_PORT" >&2
  exit 1
}

ensure_postgres
# Hook: when Celery lands, ensure its broker here too (Redis on 6379 or RabbitMQ on 5672),
# in the same way: check the port, start the local service, or fail with what is missing.
