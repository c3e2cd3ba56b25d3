"""Notebook fixtures: a real server (SQLite, its own job runner) with a small logged space
and its PCA map, read by ``chroma.show`` over HTTP like any notebook would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notebook_data import Mapped, log_and_map

from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer


@pytest.fixture(scope="session")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mapped]:
    store = open_store(Settings(data_dir=tmp_path_factory.mktemp("notebook")))
    with LiveServer(store, owns_store=True) as server:
        yield log_and_map(server.url)
