"""Datapoints of a project as one Arrow table: the bulk read behind SDK DataFrames."""

from __future__ import annotations

import pyarrow as pa

from chroma.db.store import Store
from chroma.services import catalog
from chroma.services.columns import read_columns

DATAPOINT_SCHEMA = pa.schema(
    [
        pa.field("datapoint_id", pa.int64()),
        pa.field("dataset", pa.string()),
        pa.field("key", pa.string()),
        pa.field("label", pa.string()),
        pa.field("prediction", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("metadata", pa.string()),
        pa.field("uri", pa.string()),
        pa.field("text", pa.string()),
        pa.field("has_image", pa.bool_()),
        pa.field("tags", pa.list_(pa.string())),
    ]
)
COLUMNS = ("key", "label", "prediction", "score", "metadata", "uri", "text", "has_image")
"""Read as they are (the schema's fields between ``dataset`` and ``tags``)."""


def datapoints_table(store: Store, *, project: str, datasets: list[str] | None = None) -> pa.Table:
    """All datapoints of the project (or of some datasets), metadata as JSON text."""
    with store.read() as session:
        proj = catalog.get_project(session, project)
        chosen = None
        if datasets is not None:
            chosen = [catalog.get_dataset(session, proj, name).id for name in datasets]
        read = read_columns(
            session, proj.id, [*COLUMNS, "tags"], dataset_ids=chosen, metadata_as_text=True
        )
    names = read.dataset_names
    return pa.Table.from_arrays(
        [
            pa.array(read.ids, pa.int64()),
            pa.array([names[d] for d in read.dataset_ids.tolist()], pa.string()),
            *(pa.array(read.values[name], DATAPOINT_SCHEMA.field(name).type) for name in COLUMNS),
            pa.array([read.tags.get(i, []) for i in read.ids.tolist()], pa.list_(pa.string())),
        ],
        schema=DATAPOINT_SCHEMA,
    )
