"""A body over CHROMA_MAX_REQUEST_BYTES is refused with 413 before it is parsed."""

from __future__ import annotations

import pytest
from ingest_bodies import body, random_vectors, row_counts

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.settings import Settings

LIMIT = 10_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_request_bytes": LIMIT})


def test_over_the_limit_is_refused_and_under_it_is_accepted(ingest, store) -> None:
    before = row_counts(store)
    big = body([f"k{i}" for i in range(5)], random_vectors(5, dim=600))
    assert len(big) > LIMIT
    response = ingest(big)
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["where"] == "body"
    assert "CHROMA_MAX_REQUEST_BYTES" in error["message"]
    assert row_counts(store) == before

    assert ingest(body(["a"], random_vectors(1))).status_code == 200


def test_a_chunked_body_without_length_is_cut_off_too(http, store) -> None:
    before = row_counts(store)
    payload = body([f"k{i}" for i in range(5)], random_vectors(5, dim=600))

    def chunks():
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    params = {"project": "p", "dataset": "train", "space": "s"}
    headers = {"content-type": ARROW_STREAM_MEDIA_TYPE}
    response = http.post("/api/v1/ingest", params=params, content=chunks(), headers=headers)
    assert response.status_code == 413
    assert row_counts(store) == before
