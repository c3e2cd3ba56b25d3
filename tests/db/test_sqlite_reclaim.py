"""SQLite gives deleted space back to the file system (issue 14, item 10: "the SQLite
file never shrinks"). SQLite only: PostgreSQL's autovacuum does this itself.

A new database is made with ``auto_vacuum=INCREMENTAL``; a write that deletes rows then
runs ``PRAGMA incremental_vacuum`` once enough pages are free. A database made before that
keeps ``auto_vacuum=NONE`` (SQLite fixes it when the first table is made): it reuses its
free pages and is left alone.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pyarrow as pa
from sqlalchemy import text

from chroma.db.store import Store, open_store
from chroma.services import catalog
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import validate
from chroma.settings import Settings

DIM = 256


def _file_size(store: Store) -> int:
    """The database file's size once the WAL is folded into it (where pages are freed)."""
    with store.engine.connect() as conn:  # outside any transaction: the driver's own
        conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return (store.settings.data_dir / "chroma.db").stat().st_size


def _log(store: Store, project: str, batches: int, rows: int = 10_000) -> None:
    rng = np.random.default_rng(0)
    for n in range(batches):
        vectors = rng.standard_normal((rows, DIM), dtype=np.float32)
        column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), DIM)
        keys = [f"b{n}-{i}" for i in range(rows)]
        batch = validate(pa.table({"key": keys, "vector": column}))
        ingest(store, batch, project=project, dataset="train", space="s")


def test_a_large_delete_gives_its_pages_back_to_the_file_system(tmp_path) -> None:
    # Vectors inline, so that they take database pages (about 10 MB a batch).
    settings = Settings(data_dir=tmp_path / "data", vector_storage="database", auto_jobs=False)
    store = open_store(settings)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA auto_vacuum")).scalar() == 2  # incremental
        _log(store, "small", batches=1, rows=100)
        _log(store, "big", batches=4)
        full = _file_size(store)
        assert full > 40 << 20

        catalog.delete_project(store, "big")  # an ordinary delete: nothing else to call
        after = _file_size(store)
        assert after < full // 4, (full, after)
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        with store.read() as session:
            catalog.get_space(session, catalog.get_project(session, "small"), "s")
    finally:
        store.dispose()


def test_a_database_made_without_auto_vacuum_keeps_working_as_it_was(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "chroma.db") as old:  # as an older version left it
        old.execute("CREATE TABLE made_before (x)")
    store = open_store(Settings(data_dir=data, vector_storage="database", auto_jobs=False))
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA auto_vacuum")).scalar() == 0
        _log(store, "big", batches=2)
        catalog.delete_project(store, "big")
        assert store.reclaim_free_pages() == 0  # free pages stay, for the next writes
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA freelist_count")).scalar() > 0
    finally:
        store.dispose()
