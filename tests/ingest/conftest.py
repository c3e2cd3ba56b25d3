from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Ingest = Callable[..., httpx.Response]


@pytest.fixture
def ingest(http: httpx.Client) -> Ingest:
    """POST one body to /api/v1/ingest for project p / dataset train / space s by default."""

    def _post(body: bytes, **params: Any) -> httpx.Response:
        query = {"project": "p", "dataset": "train", "space": "s", **params}
        return http.post("/api/v1/ingest", params=query, content=body)

    return _post
