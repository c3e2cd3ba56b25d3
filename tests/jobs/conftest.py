"""Job test fixtures: live servers with job settings of the test's choosing, brokers.

``start_server(**settings)`` starts a real server (``create_app`` in uvicorn, the runner
started by its lifespan) on the test's dialect, with the given ``Settings`` fields changed.
Brokers (``broker``, ``redis_url``, ``redis_broker``) are the machine's real Redis and
RabbitMQ: ``tests/brokers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from job_helpers import JobServer, StartServer

from chroma.db.store import Store, open_store
from chroma.settings import Settings
from live_server import LiveServer


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
