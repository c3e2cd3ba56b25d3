"""Inline vector chunks (PostgreSQL's default, SQLite's ``vector_storage=database``): on
PostgreSQL the chunk's row is written (binary COPY) before the dataset's lock and filled in
under it; that must not change what a batch or a reader sees (issue 12, item 4)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from chroma.db import bulk, vectors
from chroma.db.models import Datapoint, EmbeddingChunk
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import IngestBatch
from chroma.settings import Settings

DIM = 7


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"vector_storage": "database"})


@pytest.fixture
def inline_store(store: Store) -> Store:
    return store


def _batch(keys: list[str], seed: int) -> IngestBatch:
    rng = np.random.default_rng(seed)
    return IngestBatch(
        keys=keys, vectors=rng.standard_normal((len(keys), DIM), dtype=np.float32), columns={}
    )


def _log(store: Store, batch: IngestBatch) -> None:
    ingest(store, batch, project="p", dataset="d", space="s")


def _read(store: Store) -> dict[str, np.ndarray]:
    with store.read() as session:
        space = catalog.get_space(session, catalog.get_project(session, "p"), "s")
    with store.read() as session:
        got = vectors.read_space(store, session, space_id=space.id, dimension=DIM)
        keys = dict(session.execute(select(Datapoint.id, Datapoint.key)).all())
    return {keys[int(i)]: row for i, row in zip(got.datapoint_ids, got.vectors, strict=True)}


def test_read_into_one_array_gives_every_live_vector(inline_store: Store) -> None:
    first = _batch([f"k{i}" for i in range(50)], seed=1)
    again = _batch([f"k{i}" for i in range(0, 50, 3)], seed=2)  # re-logged: dead rows
    _log(inline_store, first)
    _log(inline_store, again)
    expected = dict(zip(first.keys, first.vectors, strict=True))
    expected.update(zip(again.keys, again.vectors, strict=True))

    read = _read(inline_store)

    assert sorted(read) == sorted(expected)
    for key, row in expected.items():
        np.testing.assert_array_equal(read[key], row)


def test_a_batch_failing_after_its_vectors_went_in_leaves_nothing(
    inline_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _log(inline_store, _batch(["a", "b"], seed=1))

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the datapoint insert failed")

    monkeypatch.setattr(bulk, "insert_columns", fail)
    with pytest.raises(RuntimeError):
        _log(inline_store, _batch(["c", "d"], seed=2))
    monkeypatch.undo()

    with inline_store.read() as session:
        chunks = session.execute(select(EmbeddingChunk.count, EmbeddingChunk.live_count)).all()
        datapoints = session.scalar(select(func.count()).select_from(Datapoint))
    assert [tuple(c) for c in chunks] == [(2, 2)]
    assert datapoints == 2
    assert sorted(_read(inline_store)) == ["a", "b"]


def test_ids_come_in_a_block_of_distinct_new_values(inline_store: Store) -> None:
    with inline_store.write() as session:
        first = bulk.allocate_ids(session, "datapoint", 1000)
    with inline_store.write() as session:
        second = bulk.allocate_ids(session, "datapoint", 10)
    assert len(set(first)) == 1000
    if not inline_store.is_sqlite:  # SQLite hands out MAX(id)+1.. under its write lock
        assert min(second) > max(first)


def test_key_lookup_finds_only_the_dataset_s_existing_keys(inline_store: Store) -> None:
    _log(inline_store, _batch(["a", "b", "c"], seed=1))
    ingest(inline_store, _batch(["a", "z"], seed=2), project="p", dataset="other", space="s")
    with inline_store.read() as session:
        dataset = catalog.get_dataset(session, catalog.get_project(session, "p"), "d")
        found = bulk.lookup_keys(session, dataset.id, ["a", "c", "z", "new", 'it\'s "quoted"'])
    assert sorted(found) == ["a", "c"]
