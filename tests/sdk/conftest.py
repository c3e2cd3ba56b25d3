"""SDK fixtures: runs against the real ``server`` fixture, and an outside-edge flaky transport.

Validation tests only need *a* server to say hello to (nothing reaches a database), so they
share one session-wide SQLite server instead of starting one per test and dialect.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import chroma
from chroma.db.store import open_store
from chroma.server.app import create_app
from chroma.settings import Settings

MakeRun = Callable[..., chroma.Run]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    def __init__(self, settings: Settings) -> None:
        self.store = open_store(settings)
        self.url = f"http://127.0.0.1:{_free_port()}"
        config = uvicorn.Config(
            create_app(settings, store=self.store),
            host="127.0.0.1",
            port=int(self.url.rsplit(":", 1)[1]),
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.store.dispose()


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    """One SQLite server for tests that never get past local checks."""
    with _Server(Settings(data_dir=tmp_path_factory.mktemp("sdk-local"))) as live:
        yield live


@pytest.fixture
def token_server(tmp_path: Path) -> Iterator[_Server]:
    """A SQLite server that wants the bearer token ``s3cret``."""
    with _Server(Settings(data_dir=tmp_path / "data", auth_token="s3cret")) as live:
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
def make_local_run(local_server: _Server) -> Iterator[MakeRun]:
    """``make_run`` on the shared SQLite server."""
    yield from _runs(local_server.url)


@pytest.fixture
def local_run(make_local_run: MakeRun) -> chroma.Run:
    return make_local_run()
