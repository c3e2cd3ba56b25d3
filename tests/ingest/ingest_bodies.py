"""Building Arrow IPC ingest bodies for tests, the way any client would."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pyarrow as pa
from sqlalchemy import func, select

from chroma.db.models import Base
from chroma.db.store import Store


def vectors_column(vectors: np.ndarray) -> pa.Array:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    return pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), vectors.shape[1])


def table(
    keys: list[str], vectors: np.ndarray | pa.Array, **columns: list[Any] | pa.Array
) -> pa.Table:
    data: dict[str, Any] = {
        "key": keys,
        "vector": vectors if isinstance(vectors, pa.Array) else vectors_column(vectors),
    }
    for name, values in columns.items():
        if name == "metadata" and not isinstance(values, pa.Array):
            values = [None if v is None else orjson.dumps(v).decode() for v in values]
        data[name] = values
    return pa.table(data)


def to_stream(tbl: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, tbl.schema) as writer:
        writer.write_table(tbl)
    return bytes(sink.getvalue().to_pybytes())


def body(keys: list[str], vectors: np.ndarray | pa.Array, **columns: Any) -> bytes:
    return to_stream(table(keys, vectors, **columns))


def random_vectors(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def read_stream(content: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(content)).read_all()


def vectors_by_key(table: pa.Table) -> dict[str, np.ndarray]:
    """key -> vector of a read-back table (keys are unique, so no row is lost)."""
    keys = table.column("key").to_pylist()
    vectors = table.column("vector").to_numpy(zero_copy_only=False)
    return dict(zip(keys, vectors, strict=True))


def row_counts(store: Store) -> dict[str, int]:
    """Rows in every table, plus segment files on disk: the whole visible state."""
    with store.read() as session:
        counts = {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
    if store.vector_dir is not None:
        counts["segment files"] = len(list(store.vector_dir.glob("*.f32")))
    return counts
