"""What an ingest batch does while it holds the write transaction, on SQLite and PostgreSQL.

On SQLite the write transaction holds the database's one lock, so a batch keeps out of it
what does not need it (issue 14, item 11): the vector file is written and fsynced before
``BEGIN``, and the space's refresh is queued in the batch's own commit rather than in a
second transaction that waits for the lock again. Observed through the real engine's
events while the real server ingests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ingest_bodies import body, random_vectors, row_counts
from sqlalchemy import event, select

from chroma.db.models import Job
from chroma.services.jobs import QUEUED, JobKind
from chroma.settings import Settings

ROWS, DIM = 20_000, 96  # a 7.7 MB segment file: far from written by the time BEGIN could run


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Refreshes are queued (each batch pushes the waiting one back) but never start here.
    return settings.model_copy(
        update={"auto_jobs": True, "auto_jobs_delay": 3600.0, "vector_storage": "files"}
    )


class Transactions:
    """Write transactions begun per thread, and what the segment folder held at each."""

    def __init__(self, vector_dir: Path) -> None:
        self.vector_dir = vector_dir
        self.writes: dict[int, list[dict[str, int]]] = {}
        self.chunk_inserts: set[int] = set()

    def on_begin(self, conn: Any) -> None:
        if conn.get_execution_options().get("chroma_begin_immediate"):
            files = {p.name: p.stat().st_size for p in self.vector_dir.glob("*.f32")}
            self.writes.setdefault(threading.get_ident(), []).append(files)

    def on_statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The chunk row goes through SQLAlchemy (the datapoint rows take the driver's
        # cursor directly, below its events): it marks the thread that ran the batch.
        if statement.lstrip().upper().startswith("INSERT INTO EMBEDDING_CHUNK "):
            self.chunk_inserts.add(threading.get_ident())


@pytest.fixture
def transactions(store) -> Iterator[Transactions]:
    assert store.vector_dir is not None
    seen = Transactions(store.vector_dir)
    event.listen(store.engine, "begin", seen.on_begin)
    event.listen(store.engine, "before_cursor_execute", seen.on_statement)
    yield seen
    event.remove(store.engine, "begin", seen.on_begin)
    event.remove(store.engine, "before_cursor_execute", seen.on_statement)


def test_a_batch_is_one_write_transaction_and_its_file_is_written_before_it(
    ingest, store, transactions
) -> None:
    response = ingest(body([f"k{i}" for i in range(ROWS)], random_vectors(ROWS, dim=DIM)))
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == ROWS

    (ingest_thread,) = transactions.chunk_inserts
    writes = transactions.writes[ingest_thread]
    # One write transaction: rows, chunk and the refresh queued in a single commit.
    assert len(writes) == 1
    # When it began, the batch's vector file was already whole on disk (and fsynced:
    # the write is awaited as one step), so no fsync ran under the lock.
    assert list(writes[0].values()) == [ROWS * DIM * 4]
    assert row_counts(store)["segment files"] == 1

    with store.read() as session:
        refreshes = session.scalars(select(Job).where(Job.kind == JobKind.REFRESH)).all()
    assert [job.state for job in refreshes] == [QUEUED]


def test_a_batch_that_fails_in_its_transaction_leaves_no_row_and_no_file(ingest, store) -> None:
    ingest(body(["a"], random_vectors(1, dim=DIM)))
    before = row_counts(store)
    # The space's dimension is fixed: checked inside the transaction, after the file of
    # this batch was written.
    response = ingest(body(["b", "c"], random_vectors(2, dim=DIM + 1)))
    assert response.status_code == 422, response.text
    assert "dimension" in response.json()["error"]["message"]
    assert row_counts(store) == before
