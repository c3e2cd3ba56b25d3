"""An import restores its tags in requests the server takes, however many rows carry one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chroma
from chroma.db.store import open_store
from chroma.sdk import _import
from chroma.settings import Settings
from live_server import LiveServer


@pytest.fixture
def small_body_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server whose GraphQL body limit 600 tagged ids in one request would exceed."""
    settings = Settings(data_dir=tmp_path / "data", auto_jobs=False, graphql_max_body_bytes=1024)
    with LiveServer(open_store(settings), owns_store=True) as live:
        yield live


def test_a_tag_on_many_rows_is_restored_in_batches(
    small_body_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_import, "TAG_BATCH", 100)
    rows = 600
    frame = pd.DataFrame(
        {
            "key": [f"k{i}" for i in range(rows)],
            "vector": list(np.random.default_rng(0).standard_normal((rows, 4), dtype=np.float32)),
            "tags": [["reviewed"] for _ in range(rows)],
        }
    )
    stored = chroma.import_dataframe(
        frame, project="p", dataset="d", space="s", url=small_body_server.url
    )
    assert stored == rows
    back = chroma.read_datapoints("p", url=small_body_server.url)
    assert all(list(tags) == ["reviewed"] for tags in back["tags"])
