"""SDK fixtures: runs against the real ``server`` fixture, and an outside-edge flaky transport.

Validation tests only need *a* server to say hello to (nothing reaches a database), so they
share one session-wide SQLite server instead of starting one per test and dialect.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import chroma
from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer

MakeRun = Callable[..., chroma.Run]


@pytest.fixture(autouse=True)
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs spool under the test's tmp_path, never in the user's cache folder."""
    folder = tmp_path / "spool"
    monkeypatch.setenv("CHROMA_SPOOL_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One SQLite server for tests that never get past local checks."""
    store = open_store(Settings(data_dir=tmp_path_factory.mktemp("sdk-local")))
    with LiveServer(store, owns_store=True) as live:
        yield live


@pytest.fixture
def token_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A SQLite server that wants the bearer token ``s3cret-token-0123456789``."""
    store = open_store(Settings(data_dir=tmp_path / "data", auth_token="s3cret-token-0123456789"))
    with LiveServer(store, owns_store=True) as live:
        yield live


def _runs(url: str) -> Iterator[MakeRun]:
    runs: list[chroma.Run] = []

    def make(**options: Any) -> chroma.Run:
        options.setdefault("project", f"p-{uuid.uuid4().hex[:8]}")
        options.setdefault("dataset", "train")
        options.setdefault("space", "emb")
        options.setdefault("backoff", 0.01)
        run = chroma.init(url=url, **options)
        runs.append(run)
        return run

    yield make
    for run in runs:
        with contextlib.suppress(chroma.ChromaError):  # the test already looked at it
            run.close()


@pytest.fixture
def make_run(server: Any) -> Iterator[MakeRun]:
    """``make_run(**init_options)``: a run on the real server (both dialects), closed after."""
    yield from _runs(server.url)


@pytest.fixture
def make_local_run(local_server: LiveServer) -> Iterator[MakeRun]:
    """``make_run`` on the shared SQLite server."""
    yield from _runs(local_server.url)


@pytest.fixture
def local_run(make_local_run: MakeRun) -> chroma.Run:
    return make_local_run()
