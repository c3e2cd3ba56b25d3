"""Eight clients log at once into one space (issue 14, item 11), on SQLite and PostgreSQL.

Every batch is acknowledged, every row is stored exactly once with its own vector (also
the batches a client sends twice, as a retry does, and keys that every client logs at the
same time), and the space's refresh is queued once. How long the batches wait is the
benchmark's business (``benchmarks/writers.py``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from ingest_bodies import body, random_vectors, read_stream, row_counts
from sqlalchemy import func, select

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.db.models import Datapoint, EmbeddingChunk, Job
from chroma.services.jobs import QUEUED, JobKind
from chroma.settings import Settings

WRITERS, BATCHES, ROWS, DIM = 8, 3, 400, 16


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Each batch queues (or pushes back) the space's refresh in its commit; none starts here.
    return settings.model_copy(update={"auto_jobs": True, "auto_jobs_delay": 3600.0})


SHARED = "shared"
"""A batch every writer sends, with the same keys: they race between lookup and insert."""


def _batch(writer: int, batch: int | str) -> tuple[list[str], np.ndarray]:
    if batch == SHARED:
        keys = [f"shared-{i}" for i in range(ROWS)]
        return keys, random_vectors(ROWS, dim=DIM, seed=10_000 + writer)
    keys = [f"w{writer}-b{batch}-{i}" for i in range(ROWS)]
    return keys, random_vectors(ROWS, dim=DIM, seed=writer * 100 + int(batch))


def _dataset(writer: int, batch: int | str) -> str:
    if batch == SHARED:
        return "train"
    return "train" if writer % 4 else "test"  # two datasets: PostgreSQL locks each apart


def _write(url: str, writer: int) -> list[tuple[int, int]]:
    """A client's batches in turn, the shared one among them, then its first batch again;
    (inserted, updated) of each."""
    answers = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for batch in [0, SHARED, *range(1, BATCHES), 0]:
            keys, vectors = _batch(writer, batch)
            response = client.post(
                "/api/v1/ingest",
                params={"project": "p", "dataset": _dataset(writer, batch), "space": "s"},
                content=body(keys, vectors, label=[f"{writer}-{batch}"] * ROWS),
                headers={"content-type": ARROW_STREAM_MEDIA_TYPE},
            )
            assert response.status_code == 200, response.text
            answer = response.json()
            answers.append((answer["inserted"], answer["updated"]))
    return answers


def test_eight_writers_all_succeed_and_store_every_row_exactly_once(server, http, store) -> None:
    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(_write, [server.url] * WRITERS, range(WRITERS)))

    for first, shared, *others, again in answers:
        assert [first, *others] == [(ROWS, 0)] * BATCHES
        assert sum(shared) == ROWS
        assert again == (0, ROWS)  # the resent batch found every key
    # Each shared key was inserted by exactly one writer and updated by the others.
    assert sum(shared[0] for _, shared, *_ in answers) == ROWS

    own = WRITERS * BATCHES * ROWS
    back = read_stream(http.get("/api/v1/vectors", params={"project": "p", "space": "s"}).content)
    keys = back.column("key").to_pylist()
    assert len(keys) == len(set(keys)) == own + ROWS
    got = dict(zip(keys, back.column("vector").to_numpy(zero_copy_only=False), strict=True))
    for writer in range(WRITERS):
        for batch in range(BATCHES):
            batch_keys, vectors = _batch(writer, batch)
            assert np.array_equal(np.stack([got[k] for k in batch_keys]), vectors)
    # Batches land whole and one at a time: the shared keys hold the last one's vectors,
    # never a mix of two.
    shared_back = np.stack([got[f"shared-{i}"] for i in range(ROWS)])
    assert any(np.array_equal(shared_back, _batch(w, SHARED)[1]) for w in range(WRITERS))

    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Datapoint)) == own + ROWS
        refreshes = session.scalars(select(Job.state).where(Job.kind == JobKind.REFRESH)).all()
    assert refreshes == [QUEUED]  # pushed back by every batch, queued once
    counts = row_counts(store)
    # One chunk per batch of new rows, plus the shared batches' chunks that still hold a
    # live row; a resent batch replaced its chunk whole.
    with store.read() as session:
        live = session.scalar(select(func.sum(EmbeddingChunk.live_count)))
    assert live == own + ROWS
    if store.vector_dir is not None:
        assert counts["segment files"] == counts["embedding_chunk"]
