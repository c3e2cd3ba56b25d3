"""Fuzz runs (issue 14): a real server per database, a seeded project, and the counts of
every run printed at the end of the session (``fuzz counts``), also under ``-n``."""

from __future__ import annotations

import httpx
import pytest
from fuzz_checks import FUZZ_PROPERTY, Tally
from fuzz_seed import Seeds, seed
from fuzz_state import StateWatch

from chroma.db.store import Store
from chroma.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server's jobs go to Celery over an in-memory broker that no worker reads: what a
    fuzzed mutation queues stays queued, so nothing but requests changes the state (the
    seeded map and analysis are computed by the test itself, ``fuzz_seed.seed``)."""
    return settings.model_copy(update={"job_backend": "celery", "broker_url": "memory://"})


@pytest.fixture
def seeds(http: httpx.Client, store: Store) -> Seeds:
    return seed(http, store)


@pytest.fixture
def watch(store: Store, seeds: Seeds) -> StateWatch:
    return StateWatch(store)


@pytest.fixture
def tally(request: pytest.FixtureRequest, dialect: str) -> Tally:
    return Tally(suite=request.node.originalname.removeprefix("test_"), dialect=dialect)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == FUZZ_PROPERTY
    ]
    if lines:
        terminalreporter.section("fuzz counts")
        for line in lines:
            terminalreporter.write_line(line)
