"""Datapoints of a project as one Arrow table: the bulk read behind SDK DataFrames."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa
from sqlalchemy import Text, cast, select

from chroma.db.models import Datapoint, Dataset, Tag, datapoint_tag
from chroma.db.store import Store
from chroma.services import catalog

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


def datapoints_table(store: Store, *, project: str, datasets: list[str] | None = None) -> pa.Table:
    """All datapoints of the project (or of some datasets), metadata as JSON text."""
    with store.read() as session:
        proj = catalog.get_project(session, project)
        if datasets is None:
            chosen = list(session.scalars(select(Dataset).where(Dataset.project_id == proj.id)))
        else:
            chosen = [catalog.get_dataset(session, proj, name) for name in datasets]
        names = {d.id: d.name for d in chosen}
        query = (
            select(
                Datapoint.id,
                Datapoint.dataset_id,
                Datapoint.key,
                Datapoint.label,
                Datapoint.prediction,
                Datapoint.prediction_score,
                cast(Datapoint.metadata_, Text),
                Datapoint.uri,
                Datapoint.text,
                Datapoint.has_image,
            )
            .where(Datapoint.dataset_id.in_(list(names)))
            .order_by(Datapoint.id)
        )
        rows = session.execute(query).all()
        tags: defaultdict[int, list[str]] = defaultdict(list)
        tag_query = (
            select(datapoint_tag.c.datapoint_id, Tag.name)
            .join(Tag, Tag.id == datapoint_tag.c.tag_id)
            .join(Datapoint, Datapoint.id == datapoint_tag.c.datapoint_id)
            .where(Datapoint.dataset_id.in_(list(names)))
        )
        for datapoint_id, tag in session.execute(tag_query):
            tags[datapoint_id].append(tag)

    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 10
    ids = list(columns[0])
    return pa.Table.from_arrays(
        [
            pa.array(ids, pa.int64()),
            pa.array([names[d] for d in columns[1]], pa.string()),
            *(pa.array(list(columns[i]), DATAPOINT_SCHEMA.field(i).type) for i in range(2, 10)),
            pa.array([sorted(tags.get(i, [])) for i in ids], pa.list_(pa.string())),
        ],
        schema=DATAPOINT_SCHEMA,
    )
