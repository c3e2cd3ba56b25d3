"""The store itself: migrations match the models, SQLite durability settings, segment files."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from chroma.db.migrate import alembic_config, current_revision, upgrade
from chroma.db.models import Base
from chroma.db.store import open_store
from chroma.db.vectors import add_chunk, read_space, staged_vectors, sweep_orphan_segments
from chroma.services import catalog
from chroma.settings import Settings
from databases import scratch_database


def test_migrations_build_exactly_the_models(store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "models and migrations differ: add an Alembic revision"


def test_upgrade_is_idempotent_and_at_head(store) -> None:
    upgrade(store)
    heads = ScriptDirectory.from_config(alembic_config(store)).get_heads()
    assert heads == [current_revision(store)]


@pytest.fixture
def sqlite_store(tmp_path):
    """SQLite only, for what only SQLite has (pragmas, segment files by default)."""
    store = open_store(Settings(data_dir=tmp_path / "sqlite"))
    yield store
    store.dispose()


def test_sqlite_is_wal_durable_and_enforces_foreign_keys(sqlite_store) -> None:
    store = sqlite_store
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL, never OFF
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def _space(store, dim: int = 4) -> tuple[int, int]:
    with store.write() as session:
        project = catalog.ensure_project(session, "p")
        dataset = catalog.ensure_dataset(session, project, "d")
        space = catalog.ensure_space(session, project, "s", dim)
        return dataset.id, space.id


def _datapoints(store, dataset_id: int, n: int) -> np.ndarray:
    from chroma.db import bulk

    with store.write() as session:
        ids = bulk.allocate_ids(session, "datapoint", n)
        now = bulk.datetime_for_driver(session, datetime.now(UTC))
        bulk.insert_columns(
            session,
            "datapoint",
            {"id": ids, "key": [f"k{i}" for i in ids]},
            {"dataset_id": dataset_id, "has_image": False, "created_at": now, "updated_at": now},
        )
    return np.array(ids, dtype=np.int64)


def _add(store, session, staged, dataset_id: int, space_id: int, ids: np.ndarray) -> None:
    add_chunk(
        session,
        staged,
        space_id=space_id,
        dataset_id=dataset_id,
        datapoint_ids=ids,
        existing_ids=[],
        store=store,
    )


def test_a_rolled_back_chunk_leaves_no_segment_file(store) -> None:
    dataset_id, space_id = _space(store)
    ids = _datapoints(store, dataset_id, 3)
    vectors = np.ones((3, 4), np.float32)

    def write_then_fail() -> None:
        with staged_vectors(store, vectors) as staged, store.write() as session:
            _add(store, session, staged, dataset_id, space_id, ids)
            raise RuntimeError("abort after the file was written")

    with pytest.raises(RuntimeError, match="abort"):
        write_then_fail()
    if store.vector_dir is not None:
        assert list(store.vector_dir.glob("*.f32")) == []
    with store.read() as session:
        assert read_space(store, session, space_id=space_id, dimension=4).vectors.shape == (0, 4)


def test_orphan_segments_are_swept_only_when_old(sqlite_store) -> None:
    store = sqlite_store
    assert store.vector_dir is not None
    dataset_id, space_id = _space(store)
    ids = _datapoints(store, dataset_id, 2)
    with staged_vectors(store, np.ones((2, 4), np.float32)) as staged, store.write() as session:
        _add(store, session, staged, dataset_id, space_id, ids)
    fresh = store.vector_dir / "fresh-orphan.f32"
    old = store.vector_dir / "old-orphan.f32"
    fresh.write_bytes(b"x")
    old.write_bytes(b"x")
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert sweep_orphan_segments(store) == 1
    assert fresh.exists()  # may belong to a batch still in flight in another process
    assert not old.exists()
    assert len(list(store.vector_dir.glob("*.f32"))) == 2  # the live chunk + the fresh one


def test_vectors_stored_inline_in_the_database_round_trip(settings) -> None:
    store = open_store(settings.model_copy(update={"vector_storage": "database"}))
    try:
        assert store.vector_dir is None
        dataset_id, space_id = _space(store)
        ids = _datapoints(store, dataset_id, 5)
        vectors = np.arange(20, dtype=np.float32).reshape(5, 4)
        with staged_vectors(store, vectors) as staged, store.write() as session:
            _add(store, session, staged, dataset_id, space_id, ids)
        with store.read() as session:
            back = read_space(store, session, space_id=space_id, dimension=4)
        assert np.array_equal(back.vectors, vectors)
        assert np.array_equal(back.datapoint_ids, ids)
    finally:
        store.dispose()


@pytest.fixture
def fresh_settings(dialect: str, tmp_path, request) -> Iterator[Settings]:
    """Settings for a database no one has migrated yet (a new PostgreSQL database, or a new
    SQLite file), as on a team's first start."""
    if dialect == "sqlite":
        yield Settings(data_dir=tmp_path / "fresh")
        return
    with scratch_database("chroma_fresh") as url:
        yield Settings(data_dir=tmp_path / "fresh", database_url=url)


def test_processes_starting_together_migrate_once(fresh_settings: Settings) -> None:
    """Several API processes started at once on a new database (no `chroma db upgrade`
    first): one migrates, the others wait for it and find the schema at head."""
    starts = 4
    barrier = threading.Barrier(starts)
    errors: list[BaseException] = []
    stores = []

    def start() -> None:
        barrier.wait()
        try:
            stores.append(open_store(fresh_settings))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(starts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert len(stores) == starts
        head = ScriptDirectory.from_config(alembic_config(stores[0])).get_heads()
        assert [current_revision(store) for store in stores] == head * starts
    finally:
        for store in stores:
            store.dispose()
