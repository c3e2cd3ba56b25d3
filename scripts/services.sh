#!/usr/bin/env bash
# Make sure the services the tests use are up: PostgreSQL on 127.0.0.1:5432 (the tests
# create and drop a scratch database through it), and the Celery brokers of the job tests,
# Redis on 127.0.0.1:6379 and RabbitMQ on 127.0.0.1:5672. Starts each local service when it
# is installed but stopped; otherwise says what is missing and fails.
#
# Elsewhere: CHROMA_TEST_POSTGRES_ADMIN_URL, CHROMA_TEST_REDIS_URL and CHROMA_TEST_AMQP_URL
# point the tests at servers of your own (this script then leaves that service alone).
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

port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

redis_ready() {
  if command -v redis-cli >/dev/null; then
    [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]
  else
    port_open 127.0.0.1 6379
  fi
}

rabbitmq_ready() {
  port_open 127.0.0.1 5672
}

# ensure_service NAME SERVICE READY_CHECK SECONDS ENV_VAR: start SERVICE with the machine's
# `service` command unless READY_CHECK passes, and wait up to SECONDS for it to answer.
# ENV_VAR is the variable that points the tests at another server (named when failing).
ensure_service() {
  local name="$1" service="$2" ready="$3" seconds="$4" env_var="$5"
  "$ready" && return
  if ! command -v service >/dev/null || [[ ! -x "/etc/init.d/$service" ]]; then
    echo "services: $name is not reachable on 127.0.0.1 and no local $service service is" \
      "installed. Start one, or point $env_var at a server of your own." >&2
    exit 1
  fi
  echo "services: starting $name ($service)"
  if ! service "$service" start; then
    echo "services: 'service $service start' failed; see its log (/var/log/$service)" >&2
    exit 1
  fi
  local tries=$((seconds * 2))
  for _ in $(seq "$tries"); do
    "$ready" && return
    sleep 0.5
  done
  echo "services: $name ($service) started but does not answer on 127.0.0.1 after" \
    "${seconds}s" >&2
  exit 1
}

ensure_redis() {
  if [[ -n "${CHROMA_TEST_REDIS_URL:-}" ]]; then
    echo "services: using Redis from CHROMA_TEST_REDIS_URL"
    return
  fi
  ensure_service Redis redis-server redis_ready 30 CHROMA_TEST_REDIS_URL
}

ensure_rabbitmq() {
  if [[ -n "${CHROMA_TEST_AMQP_URL:-}" ]]; then
    echo "services: using RabbitMQ from CHROMA_TEST_AMQP_URL"
    return
  fi
  # The Erlang VM takes a while to boot before it listens.
  ensure_service RabbitMQ rabbitmq-server rabbitmq_ready 90 CHROMA_TEST_AMQP_URL
}

ensure_postgres
ensure_redis
ensure_rabbitmq
