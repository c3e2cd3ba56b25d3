"""Superseded vectors are compacted in the background (issue 14, item 10), on SQLite
(segment files) and PostgreSQL (inline bytes).

Re-logging keys leaves their old vectors in their chunks, listed dead; once a batch leaves a
chunk with ``CHROMA_COMPACT_DEAD_SHARE`` of it dead, ingest queues ``space.compact``, which
rewrites such chunks with their live rows only. Jobs run here in the test's process
(``execute_job``), the way a runner's child would run them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from ingest_bodies import row_counts
from sqlalchemy import select

from chroma.db.compaction import copy_live_rows, swap_in
from chroma.db.models import Datapoint, EmbeddingChunk, Job
from chroma.db.vectors import read_space
from chroma.jobs.execute import execute_job
from chroma.services import catalog
from chroma.services.ingest import IngestResult, ingest
from chroma.services.ingest_batch import validate
from chroma.services.jobs import SUCCEEDED, JobKind

DIM = 8
ROWS = 1000


def _log(
    store, keys: list[str], seed: int, *, follow_ups: bool = True
) -> tuple[IngestResult, dict[str, np.ndarray]]:
    vectors = np.random.default_rng(seed).standard_normal((len(keys), DIM)).astype(np.float32)
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), DIM)
    batch = validate(pa.table({"key": keys, "vector": column}))
    result = ingest(
        store,
        batch,
        project="p",
        dataset="train",
        space="s",
        # Follow-ups due at once, so this test can run them (no runner here).
        refresh_delay=0.0 if follow_ups else None,
    )
    return result, dict(zip(keys, vectors, strict=True))


def _keys(start: int, stop: int) -> list[str]:
    return [f"k{i}" for i in range(start, stop)]


def _chunks(store) -> list[tuple[int, int, int, bool]]:
    """(id, count, live_count, has dead rows) of every chunk, oldest first."""
    with store.read() as session:
        rows = session.execute(
            select(
                EmbeddingChunk.id,
                EmbeddingChunk.count,
                EmbeddingChunk.live_count,
                EmbeddingChunk.dead_rows,
            ).order_by(EmbeddingChunk.id)
        ).all()
    return [(i, c, live, dead is not None) for i, c, live, dead in rows]


def _everything(store) -> dict[str, np.ndarray]:
    """key -> vector as jobs read the space."""
    with store.read() as session:
        space = catalog.get_space(session, catalog.get_project(session, "p"), "s")
        keys = dict(session.execute(select(Datapoint.id, Datapoint.key)).all())
    with store.read() as session:  # a fresh session: read_space takes its own snapshot
        data = read_space(store, session, space_id=space.id, dimension=DIM)
    ids = data.datapoint_ids.tolist()
    assert len(ids) == len(set(ids))
    return {keys[i]: v for i, v in zip(ids, data.vectors, strict=True)}


def _compactions(store) -> list[Job]:
    with store.read() as session:
        return list(session.scalars(select(Job).where(Job.kind == JobKind.COMPACT)))


def test_relogged_vectors_are_compacted_and_every_read_stays_exact(store) -> None:
    expected: dict[str, np.ndarray] = {}
    for n in range(3):  # three chunks of 1,000
        expected.update(_log(store, _keys(n * ROWS, (n + 1) * ROWS), seed=n)[1])
    # Re-log 60% of the first chunk and 10% of the second (under the 30% threshold).
    result, again = _log(store, _keys(0, 600) + _keys(1000, 1100), seed=10)
    expected.update(again)
    assert result.updated == 700
    before = _chunks(store)
    assert [(c, live) for _, c, live, _ in before] == [
        (1000, 400),
        (1000, 900),
        (1000, 1000),
        (700, 700),
    ]
    assert _everything(store).keys() == expected.keys()

    (job,) = _compactions(store)  # queued by the batch that crossed the threshold
    assert execute_job(store, job.id) == SUCCEEDED

    after = _chunks(store)
    # The first chunk rewritten in place (same id, so the space's order is kept) with its
    # 400 live rows only; the second is under the threshold and left as it is.
    assert after[0] == (before[0][0], 400, 400, False)
    assert after[1:] == before[1:]
    got = _everything(store)
    assert got.keys() == expected.keys()
    for key, vector in expected.items():
        assert np.array_equal(got[key], vector), key
    (done,) = _compactions(store)
    assert done.result is not None
    assert done.result["chunks"] == 1
    assert done.result["rows_dropped"] == 600
    if store.vector_dir is not None:
        # The old segment file went with the commit; one file per chunk is left.
        assert row_counts(store)["segment files"] == len(after)


def test_a_batch_under_the_threshold_queues_no_compaction(store) -> None:
    _log(store, _keys(0, ROWS), seed=0)
    _log(store, _keys(0, 100), seed=1)  # 10% dead
    assert _compactions(store) == []


def test_rows_superseded_while_a_chunk_is_rewritten_stay_superseded(store) -> None:
    expected = _log(store, _keys(0, ROWS), seed=0, follow_ups=False)[1]
    expected.update(_log(store, _keys(0, 500), seed=1, follow_ups=False)[1])
    (first, *_) = _chunks(store)
    copy = copy_live_rows(store, first[0], DIM)  # the job has read the 500 live rows ...
    assert copy is not None
    # ... when a batch logs 100 of them again, before the job swaps its copy in.
    expected.update(_log(store, _keys(500, 600), seed=2, follow_ups=False)[1])
    assert swap_in(store, copy) == 500

    chunk = _chunks(store)[0]
    assert chunk == (first[0], 500, 400, True)  # the 100 are dead in the new chunk too
    got = _everything(store)
    assert got.keys() == expected.keys()
    for key, vector in expected.items():
        assert np.array_equal(got[key], vector), key

    # Every live row superseded before the swap: ingest deleted the chunk, and the swap
    # writes nothing and leaves no file behind.
    copy = copy_live_rows(store, first[0], DIM)
    assert copy is not None
    _log(store, _keys(600, ROWS), seed=3, follow_ups=False)
    assert swap_in(store, copy) == 0
    assert first[0] not in [c[0] for c in _chunks(store)]
    if store.vector_dir is not None:
        assert row_counts(store)["segment files"] == len(_chunks(store))
