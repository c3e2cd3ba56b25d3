"""Reading vectors back in bulk: an Arrow IPC stream, or raw little-endian arrays.

Both are streamed from one snapshot of the space taken before the first byte, so the row
count (and, for raw, the body length) are known up front and stay true while streaming.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.core import wire
from chroma.db.bulk import in_steps
from chroma.db.models import Datapoint, Dataset
from chroma.db.store import Store
from chroma.db.vectors import ChunkSlice, repeatable_read, snapshot_space, space_size
from chroma.services import catalog


@dataclass
class VectorExport:
    """A resolved read: schema, row count and dataset names are known before any data."""

    schema: pa.Schema
    rows: int
    dimension: int
    datasets: dict[int, str]
    """dataset id -> name, for the ids the raw format sends."""
    _chunks: list[ChunkSlice]
    _session: Session
    _exit: ExitStack
    _with_keys: bool

    def record_batches(self) -> Iterator[pa.RecordBatch]:
        """One Arrow record batch per stored chunk; closes the snapshot at the end."""
        with self._exit:
            for part in self._chunks:
                n = len(part.datapoint_ids)
                flat = pa.array(np.ascontiguousarray(part.vectors()).reshape(-1))
                columns = [
                    pa.array(part.datapoint_ids),
                    pa.array(np.full(n, self.datasets[part.dataset_id], dtype=object), pa.string()),
                    pa.FixedSizeListArray.from_arrays(flat, self.dimension),
                ]
                if self._with_keys:
                    keys = _keys_for(self._session, part.datapoint_ids)
                    columns.insert(2, pa.array(keys, pa.string()))
                yield pa.RecordBatch.from_arrays(columns, schema=self.schema)

    @property
    def raw_length(self) -> int:
        return self.rows * (self.dimension * 4 + 8 + 8)

    def raw_parts(self) -> Iterator[memoryview]:
        """The raw body: all vectors (float32, row-major), then all datapoint ids (int64),
        then all dataset ids (int64), little-endian. Closes the snapshot at the end."""
        with self._exit:
            for part in self._chunks:
                yield np.ascontiguousarray(part.vectors()).data.cast("B")
            for part in self._chunks:
                yield np.ascontiguousarray(part.datapoint_ids).data.cast("B")
            for part in self._chunks:
                dataset = np.full(len(part.datapoint_ids), part.dataset_id, dtype="<i8")
                yield dataset.data.cast("B")

    def close(self) -> None:
        self._exit.close()


def space_info(store: Store, *, project: str, space: str) -> dict[str, Any]:
    with store.read() as session:
        sp = catalog.get_space(session, catalog.get_project(session, project), space)
        return {
            "name": sp.name,
            "dimension": sp.dimension,
            "model": sp.model,
            "layer": sp.layer,
            "vectors": space_size(session, sp.id),
        }


def export_vectors(
    store: Store,
    *,
    project: str,
    space: str,
    datasets: list[str] | None = None,
    with_keys: bool = True,
) -> VectorExport:
    """Resolve names (an unknown one fails before streaming) and snapshot the space.

    The returned export holds a read session until its stream is consumed or ``close``d.
    """
    exit_stack = ExitStack()
    try:
        session = exit_stack.enter_context(store.read())
        repeatable_read(session)
        proj = catalog.get_project(session, project)
        sp = catalog.get_space(session, proj, space)
        query = select(Dataset.id, Dataset.name).where(Dataset.project_id == proj.id)
        names: dict[int, str] = dict(session.execute(query).all())
        dataset_ids = None
        if datasets is not None:
            dataset_ids = [catalog.get_dataset(session, proj, name).id for name in datasets]
        chunks = snapshot_space(
            store, session, space_id=sp.id, dimension=sp.dimension, dataset_ids=dataset_ids
        )
    except BaseException:
        exit_stack.close()
        raise
    return VectorExport(
        schema=wire.read_back_schema(sp.dimension, with_keys=with_keys),
        rows=sum(len(part.datapoint_ids) for part in chunks),
        dimension=sp.dimension,
        datasets=names,
        _chunks=chunks,
        _session=session,
        _exit=exit_stack,
        _with_keys=with_keys,
    )


def _keys_for(session: Session, ids: np.ndarray) -> list[str]:
    id_list = ids.tolist()
    by_id: dict[int, str] = {}
    for part in in_steps(id_list):
        query = select(Datapoint.id, Datapoint.key).where(Datapoint.id.in_(part))
        by_id.update(dict(session.execute(query).all()))
    return [by_id[i] for i in id_list]
