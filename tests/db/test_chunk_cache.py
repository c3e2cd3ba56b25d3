"""This machine's copies of inline vector chunks (``db/chunk_cache.py``): a read of a
PostgreSQL space keeps each chunk's bytes as a file and maps it the next time; a file that
does not check out, or belongs to another database or another version of the chunk, is
never served. SQLite never uses them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, select, text

from chroma.db import caches, chunk_cache, vectors
from chroma.db.compaction import compact_chunk
from chroma.db.models import Base, Datapoint, Dataset, EmbeddingChunk, Space
from chroma.db.store import Store, open_store
from chroma.services import catalog
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import IngestBatch
from chroma.settings import Settings
from databases import scratch_database

DIM = 7


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"vector_storage": "database"})


POSTGRES_ONLY = pytest.mark.parametrize("dialect", ["postgresql"])
"""SQLite never keeps copies (its own tests below): these run on PostgreSQL alone."""


def _batch(keys: list[str], seed: int) -> IngestBatch:
    rng = np.random.default_rng(seed)
    return IngestBatch(
        keys=keys, vectors=rng.standard_normal((len(keys), DIM), dtype=np.float32), columns={}
    )


def _log(store: Store, batch: IngestBatch, dataset: str = "d", space: str = "s") -> None:
    ingest(store, batch, project="p", dataset=dataset, space=space)


def _read(store: Store, space: str = "s") -> dict[str, np.ndarray]:
    with store.read() as session:
        space_id = catalog.get_space(session, catalog.get_project(session, "p"), space).id
    with store.read() as session:
        got = vectors.read_space(store, session, space_id=space_id, dimension=DIM)
        keys = dict(session.execute(select(Datapoint.id, Datapoint.key)).all())
    return {keys[int(i)]: row for i, row in zip(got.datapoint_ids, got.vectors, strict=True)}


def _assert_reads(store: Store, expected: dict[str, np.ndarray], space: str = "s") -> None:
    read = _read(store, space)
    assert sorted(read) == sorted(expected)
    for key, row in expected.items():
        np.testing.assert_array_equal(read[key], row)


def _cache_dir(store: Store) -> Path:
    return store.settings.data_dir / "cache" / caches.CHUNKS


def _copies(store: Store) -> list[Path]:
    folder = _cache_dir(store)
    return sorted(folder.glob(f"*.{chunk_cache.PART}")) if folder.is_dir() else []


def _stored_bytes(store: Store) -> list[bytes]:
    """Every inline chunk's bytes as the database holds them, in chunk order."""
    with store.read() as session:
        return [bytes(b) for b in session.scalars(select(EmbeddingChunk.vectors))]


def _log_two_batches(store: Store) -> dict[str, np.ndarray]:
    first = _batch([f"k{i}" for i in range(50)], seed=1)
    again = _batch([f"k{i}" for i in range(0, 50, 3)] + ["new"], seed=2)  # dead rows too
    _log(store, first)
    _log(store, again)
    expected = dict(zip(first.keys, first.vectors, strict=True))
    expected.update(zip(again.keys, again.vectors, strict=True))
    return expected


def test_a_cached_read_gives_what_the_database_gives(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _log_two_batches(store)

    _assert_reads(store, expected)  # from the database (PostgreSQL: copies kept)

    if store.is_sqlite:
        # Inline rows in SQLite (and segment files) are already on this disk: no copies.
        assert not _cache_dir(store).exists()
        return
    copies = _copies(store)
    assert len(copies) == 2
    assert sorted(p.read_bytes() for p in copies) == sorted(_stored_bytes(store))
    monkeypatch.setattr(vectors, "_inline", lambda *_: pytest.fail("read from the database"))
    _assert_reads(store, expected)  # from the copies alone


def test_sqlite_segment_files_are_read_as_before(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path / "data", auto_jobs=False, job_prewarm=False))
    try:
        expected = _log_two_batches(store)
        _assert_reads(store, expected)
        _assert_reads(store, expected)
        assert not _cache_dir(store).exists()
    finally:
        store.dispose()


@POSTGRES_ONLY
@pytest.mark.parametrize("damage", ["flipped", "truncated", "empty", "zeroed"])
def test_a_damaged_copy_is_not_served_and_is_made_again(store: Store, damage: str) -> None:
    expected = _log_two_batches(store)
    _read(store)
    copy = _copies(store)[0]
    good = copy.read_bytes()
    if damage == "flipped":  # same size, one bit off
        data = bytearray(good)
        data[len(data) // 2] ^= 0x10
        copy.write_bytes(bytes(data))
    elif damage == "truncated":  # a file cut short
        copy.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        copy.write_bytes(b"")
    else:  # a crash's zeroed tail, same size
        copy.write_bytes(good[:8] + bytes(len(good) - 8))

    _assert_reads(store, expected)

    assert copy.read_bytes() == good  # made again from the database
    assert sorted(p.read_bytes() for p in _copies(store)) == sorted(_stored_bytes(store))


@POSTGRES_ONLY
def test_a_copy_whose_manifest_names_a_missing_file_is_made_again(store: Store) -> None:
    expected = _log_two_batches(store)
    _read(store)
    for copy in _copies(store):
        copy.unlink()
    _assert_reads(store, expected)
    assert len(_copies(store)) == 2


@POSTGRES_ONLY
def test_another_database_with_the_same_chunk_ids_gets_its_own_bytes(
    store: Store, settings: Settings
) -> None:
    mine = _batch(["a", "b", "c"], seed=1)
    _log(store, mine)
    _assert_reads(store, dict(zip(mine.keys, mine.vectors, strict=True)))
    with scratch_database() as url:
        # The same data dir, pointed at another database: its first chunk is id 1 too.
        other = open_store(settings.model_copy(update={"database_url": url}))
        try:
            theirs = _batch(["a", "b", "c"], seed=2)
            _log(other, theirs)
            with store.read() as session, other.read() as other_session:
                ids = session.scalars(select(EmbeddingChunk.id)).all()
                assert other_session.scalars(select(EmbeddingChunk.id)).all() == ids
            _assert_reads(other, dict(zip(theirs.keys, theirs.vectors, strict=True)))
            _assert_reads(store, dict(zip(mine.keys, mine.vectors, strict=True)))
        finally:
            other.dispose()
    assert len(_copies(store)) == 2


@POSTGRES_ONLY
def test_a_chunk_id_handed_out_again_gets_its_new_bytes(store: Store) -> None:
    """TRUNCATE ... RESTART IDENTITY (or a restored backup) gives id 1 to other bytes."""
    before = _batch(["a", "b", "c"], seed=1)
    _log(store, before)
    _assert_reads(store, dict(zip(before.keys, before.vectors, strict=True)))
    with store.read() as session:
        ids_before = session.scalars(select(EmbeddingChunk.id)).all()
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with store.write() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    after = _batch(["a", "b", "c"], seed=2)
    _log(store, after)
    with store.read() as session:
        assert session.scalars(select(EmbeddingChunk.id)).all() == ids_before

    _assert_reads(store, dict(zip(after.keys, after.vectors, strict=True)))


@POSTGRES_ONLY
def test_a_compacted_chunk_is_read_with_its_new_bytes(store: Store) -> None:
    """Compaction rewrites a chunk's bytes under the same id, with fewer rows."""
    expected = _log_two_batches(store)
    _read(store)  # copies of the chunks as they were
    with store.read() as session:
        first_chunk = min(session.scalars(select(EmbeddingChunk.id)))
    assert compact_chunk(store, first_chunk, DIM) > 0  # same id, fewer rows

    _assert_reads(store, expected)
    assert len(_copies(store)) == 3  # the old version's copy is left to the bound


def _three_copies(store: Store) -> None:
    """Spaces s (datasets d and e) and t (dataset d), each read once: three copies."""
    _log(store, _batch(["a", "b"], seed=1), dataset="d", space="s")
    _log(store, _batch(["c", "d"], seed=2), dataset="e", space="s")
    _log(store, _batch(["a", "b"], seed=3), dataset="d", space="t")
    _read(store, "s")
    _read(store, "t")
    assert len(_copies(store)) == 3


@POSTGRES_ONLY
def test_deleting_a_space_or_dataset_removes_its_copies_after_commit(store: Store) -> None:
    _three_copies(store)
    with store.read() as session:
        project = catalog.get_project(session, "p")
        dataset_d = catalog.get_dataset(session, project, "d").id
        dataset_e = catalog.get_dataset(session, project, "e").id
        space_s = catalog.get_space(session, project, "s").id
        space_t = catalog.get_space(session, project, "t").id

    def delete_then_fail() -> None:
        with store.write() as session:
            chunk_cache.remove_datasets_after_commit(store, session, [dataset_e])
            session.execute(delete(Dataset).where(Dataset.id == dataset_e))
            raise RuntimeError("the delete failed")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert len(_copies(store)) == 3  # rolled back: all kept

    with store.write() as session:
        chunk_cache.remove_datasets_after_commit(store, session, [dataset_e])
        session.execute(delete(Dataset).where(Dataset.id == dataset_e))
    assert len(_copies(store)) == 2  # dataset d's chunks in s and t stay

    with store.write() as session:
        chunk_cache.remove_spaces_after_commit(store, session, [space_t])
        session.execute(delete(Space).where(Space.id == space_t))
    (left,) = _copies(store)
    assert left.name.startswith(f"s{space_s}-d{dataset_d}_")


@POSTGRES_ONLY
def test_the_copies_stay_within_their_bound(store: Store, settings: Settings) -> None:
    bound = 40 << 10  # a copy takes two blocks here (its file and its manifest)
    bounded = open_store(settings.model_copy(update={"vector_cache_bytes": bound}))
    try:
        expected: dict[str, np.ndarray] = {}
        for i in range(12):
            batch = _batch([f"k{i}-{j}" for j in range(200)], seed=i)
            _log(bounded, batch)
            expected.update(zip(batch.keys, batch.vectors, strict=True))
        _assert_reads(bounded, expected)
        _assert_reads(bounded, expected)
        folder = _cache_dir(bounded)
        used = sum(caches.disk_bytes(p.stat()) for p in folder.iterdir())
        assert 0 < used <= bound
        assert 0 < len(_copies(bounded)) < 12
    finally:
        bounded.dispose()


@POSTGRES_ONLY
def test_no_copies_with_a_bound_of_zero(store: Store, settings: Settings) -> None:
    off = open_store(settings.model_copy(update={"vector_cache_bytes": 0}))
    try:
        expected = _log_two_batches(off)
        _assert_reads(off, expected)
        assert _copies(off) == []
    finally:
        off.dispose()


@POSTGRES_ONLY
def test_the_catalog_s_deletes_remove_the_copies(store: Store) -> None:
    _three_copies(store)
    catalog.delete_dataset(store, "p", "e")
    assert len(_copies(store)) == 2
    catalog.delete_space(store, "p", "t")
    assert len(_copies(store)) == 1
    catalog.delete_project(store, "p")
    assert _copies(store) == []


@POSTGRES_ONLY
def test_tidy_removes_the_copies_of_spaces_deleted_meanwhile(store: Store) -> None:
    from chroma.services.store import tidy

    _log(store, _batch(["a", "b"], seed=1), space="s")
    _log(store, _batch(["a", "b"], seed=2), space="t")
    _read(store, "s")
    _read(store, "t")
    with store.write() as session:  # as another process would, without this one's hooks
        session.execute(delete(Space).where(Space.name == "t"))
    removed = tidy(store)
    assert removed["chunks"] == 2  # the data file and the manifest
    assert len(_copies(store)) == 1
