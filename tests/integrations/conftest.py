"""Integration fixtures: a real server (both dialects via ``server``) and a fresh project."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer


@pytest.fixture(autouse=True)
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs spool under the test's tmp_path, never in the user's cache folder."""
    folder = tmp_path / "spool"
    monkeypatch.setenv("CHROMA_SPOOL_DIR", str(folder))
    return folder


@pytest.fixture
def project() -> str:
    return f"p-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def local_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One SQLite server for tests of checks that refuse before anything is stored."""
    store = open_store(Settings(data_dir=tmp_path_factory.mktemp("integrations-local")))
    with LiveServer(store, owns_store=True) as live:
        yield live.url
