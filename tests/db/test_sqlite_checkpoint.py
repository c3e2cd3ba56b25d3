"""SQLite's write-ahead log is folded into the database file by a thread of its own, not in
a writer's COMMIT, where every queued writer of the process would wait for its copy and
fsync (issue 14, item 11). SQLite only."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
from sqlalchemy import text

from chroma.db.store import open_store
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import validate
from chroma.settings import Settings


def test_writes_reach_the_database_file_through_the_background_checkpoint(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vector_storage="database", auto_jobs=False)
    store = open_store(settings)
    try:
        with store.engine.connect() as conn:
            # No connection checkpoints in its COMMIT.
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        database = settings.data_dir / "chroma.db"
        before = database.stat().st_size
        vectors = np.random.default_rng(0).standard_normal((10_000, 256), dtype=np.float32)
        column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), 256)
        batch = validate(pa.table({"key": [f"k{i}" for i in range(10_000)], "vector": column}))
        ingest(store, batch, project="p", dataset="d", space="s")  # ~10 MB into the log

        # Only the checkpoint thread copies pages from the log into the file now: wait for
        # that (a state, not a duration; the bound only ends a test that would hang).
        deadline = time.monotonic() + 30
        while database.stat().st_size < before + (10 << 20):
            assert time.monotonic() < deadline, "the WAL was never checkpointed"
            time.sleep(0.05)
    finally:
        store.dispose()
