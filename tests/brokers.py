"""The machine's real brokers for tests (``scripts/services.sh`` starts them), as fixtures
every test folder can use (tests/conftest.py registers them).

Redis on a database number of its own per test run (11 to 15, held with a lock file;
``CHROMA_TEST_REDIS_URL`` to choose), flushed around each test; RabbitMQ
(``CHROMA_TEST_AMQP_URL``): its ``chroma`` queue, purged around each test that uses it and
used by one test at a time on the machine (a lock file again).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest
import redis
from kombu import Connection

from chroma.jobs.celery_app import QUEUE

REDIS_URL = os.environ.get("CHROMA_TEST_REDIS_URL")
"""A Redis of your own; by default a free database number of the local one, 11 to 15."""
REDIS_DATABASES = range(11, 16)
RABBITMQ_URL = os.environ.get("CHROMA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
LOCK_WAIT_SECONDS = 120.0


def _try_lock(name: str) -> IO[bytes] | None:
    """An exclusive lock between test runs on this machine (held while the file is open)."""
    handle = (Path(tempfile.gettempdir()) / f"chroma-test-{name}.lock").open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextmanager
def _machine_lock(names: Sequence[str], what: str) -> Iterator[str]:
    """Hold the first free lock of ``names`` (waiting for one); yield its name.

    Two test runs at once (the lead's full run and yours) must not share a broker queue:
    one's flush would drop the other's messages, and a worker of one could claim a job id
    of the other's database.
    """
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        for name in names:
            handle = _try_lock(name)
            if handle is not None:
                try:
                    yield name
                finally:
                    handle.close()
                return
        if time.monotonic() > deadline:
            pytest.fail(f"{what} stayed in use by other test runs for {LOCK_WAIT_SECONDS} s")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """This test run's own Redis database (a lock keeps concurrent runs off it)."""
    if REDIS_URL:
        yield REDIS_URL
        return
    names = [f"redis-{db}" for db in REDIS_DATABASES]
    with _machine_lock(names, "every test database of Redis") as name:
        yield f"redis://127.0.0.1:6379/{name.removeprefix('redis-')}"


@contextmanager
def _rabbitmq() -> Iterator[str]:
    """RabbitMQ's ``chroma`` queue (no vhost of our own): one test on this machine at a
    time uses it."""
    with _machine_lock(["rabbitmq"], "RabbitMQ's chroma queue"):
        yield RABBITMQ_URL


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
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        _flush_redis(url)
        yield url
        _flush_redis(url)
        return
    with _rabbitmq() as url:
        _purge_amqp(url)
        yield url
        _purge_amqp(url)


@pytest.fixture
def redis_broker(redis_url: str) -> Iterator[str]:
    _flush_redis(redis_url)
    yield redis_url
    _flush_redis(redis_url)
