"""Reading vectors back in bulk, as Arrow record batches (one per stored chunk)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.core import wire
from chroma.db.models import Datapoint, Dataset
from chroma.db.store import Store
from chroma.db.vectors import iter_space, space_size
from chroma.services import catalog


@dataclass
class VectorExport:
    """A resolved read: the schema and row count are known before the first batch."""

    schema: pa.Schema
    rows: int
    batches: Iterator[pa.RecordBatch]


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
    """Resolve names now (so an unknown name fails before streaming), stream lazily."""
    with store.read() as session:
        proj = catalog.get_project(session, project)
        sp = catalog.get_space(session, proj, space)
        all_datasets = {
            d.id: d.name
            for d in session.scalars(select(Dataset).where(Dataset.project_id == proj.id))
        }
        if datasets is None:
            dataset_ids = None
        else:
            dataset_ids = [catalog.get_dataset(session, proj, name).id for name in datasets]
        rows = space_size(session, sp.id, dataset_ids)
        space_id, dimension = sp.id, sp.dimension

    fields = [
        pa.field("datapoint_id", pa.int64()),
        pa.field("dataset", pa.string()),
        pa.field(wire.VECTOR, wire.vector_type(dimension)),
    ]
    if with_keys:
        fields.insert(2, pa.field(wire.KEY, pa.string()))
    schema = pa.schema(fields)

    def batches() -> Iterator[pa.RecordBatch]:
        with store.read() as session:
            for part in iter_space(
                store, session, space_id=space_id, dimension=dimension, dataset_ids=dataset_ids
            ):
                n = len(part.datapoint_ids)
                flat = pa.array(np.ascontiguousarray(part.vectors).reshape(-1))
                columns = [
                    pa.array(part.datapoint_ids),
                    pa.array(np.full(n, all_datasets[part.dataset_id], dtype=object), pa.string()),
                    pa.FixedSizeListArray.from_arrays(flat, dimension),
                ]
                if with_keys:
                    columns.insert(2, pa.array(_keys_for(session, part.datapoint_ids), pa.string()))
                yield pa.RecordBatch.from_arrays(columns, schema=schema)

    return VectorExport(schema=schema, rows=rows, batches=batches())


def _keys_for(session: Session, ids: np.ndarray) -> list[str]:
    id_list = ids.tolist()
    by_id: dict[int, str] = {}
    for start in range(0, len(id_list), 5000):
        query = select(Datapoint.id, Datapoint.key).where(
            Datapoint.id.in_(id_list[start : start + 5000])
        )
        by_id.update(dict(session.execute(query).all()))
    return [by_id[i] for i in id_list]
