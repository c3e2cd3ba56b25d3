from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE

Ingest = Callable[..., httpx.Response]
ARROW = {"content-type": ARROW_STREAM_MEDIA_TYPE}
"""The ingest body's media type (anything else is a 415: tests/server/test_request_guard.py)."""


@pytest.fixture
def ingest(http: httpx.Client) -> Ingest:
    """POST one body to /api/v1/ingest for project p / dataset train / space s by default."""

    def _post(body: bytes, **params: Any) -> httpx.Response:
        query = {"project": "p", "dataset": "train", "space": "s", **params}
        return http.post("/api/v1/ingest", params=query, content=body, headers=ARROW)

    return _post
