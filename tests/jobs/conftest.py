"""Job test fixtures: live servers with job settings of the test's choosing, brokers.

``start_server(**settings)`` starts a real server (``create_app`` in uvicorn, the runner
started by its lifespan) on the test's dialect, with the given ``Settings`` fields changed.
Brokers are the machine's real Redis and RabbitMQ (``scripts/services.sh`` starts them):
Redis on a database number of its own (``CHROMA_TEST_REDIS_URL``, default
``redis://127.0.0.1:6379/11``), flushed around each test; RabbitMQ
(``CHROMA_TEST_AMQP_URL``): its ``chroma`` queue is purged around each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import redis
from job_helpers import JobServer, StartServer
from kombu import Connection

from chroma.db.store import Store, open_store
from chroma.jobs.celery_app import QUEUE
from chroma.settings import Settings
from live_server import LiveServer

REDIS_URL = os.environ.get("CHROMA_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
RABBITMQ_URL = os.environ.get("CHROMA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture
def start_server(settings: Settings, store: Store) -> Iterator[StartServer]:
    """``start_server(**fields)``: a live server on this test's database (already emptied by
    the ``store`` fixture), stopped (runner included) when the test ends."""
    with ExitStack() as stack:

        def start(**fields: Any) -> JobServer:
            job_store = open_store(settings.model_copy(update=fields), migrate=False)
            stack.callback(job_store.dispose)
            live = stack.enter_context(LiveServer(job_store))
            return JobServer(live, job_store)

        yield start


def _flush_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at {url} ({exc}): run scripts/services.sh")
    finally:
        client.close()


def _purge_amqp(url: str) -> None:
    try:
        with Connection(url, connect_timeout=3) as conn:
            channel = conn.channel()
            channel.queue_declare(QUEUE, durable=True, auto_delete=False)
            channel.queue_purge(QUEUE)
            channel.close()
    except OSError as exc:
        pytest.fail(f"RabbitMQ is not reachable at {url} ({exc}): run scripts/services.sh")


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest) -> Iterator[str]:
    """A broker URL with no messages left from earlier tests (and none left after)."""
    url, empty = {
        "redis": (REDIS_URL, _flush_redis),
        "rabbitmq": (RABBITMQ_URL, _purge_amqp),
    }[request.param]
    empty(url)
    yield url
    empty(url)


@pytest.fixture
def redis_broker() -> Iterator[str]:
    _flush_redis(REDIS_URL)
    yield REDIS_URL
    _flush_redis(REDIS_URL)
