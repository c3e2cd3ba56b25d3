"""The points of a map for the Explorer and the SDK: (id, x, y, placed) plus chosen columns,
as one Arrow table.

Sized for a million points: categorical columns (label, prediction, dataset, metadata
strings) are dictionary-encoded with int16 indices where they fit, coordinates are float32,
and nothing is built one Python object per point except what SQL hands back per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from sqlalchemy import ColumnElement, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.models import Datapoint, Dataset, ProjectionSet, Space, Tag, datapoint_tag
from chroma.db.projections import read_coordinates
from chroma.db.store import Store

BASE_COLUMNS = ("label", "prediction", "score", "dataset", "key", "tags")
METADATA_PREFIX = "metadata."


def check_columns(columns: Sequence[str]) -> list[str]:
    for name in columns:
        if name not in BASE_COLUMNS and not (
            name.startswith(METADATA_PREFIX) and len(name) > len(METADATA_PREFIX)
        ):
            raise InvalidInput(
                f"unknown column {name!r}; use {', '.join(BASE_COLUMNS)} or metadata.<field>",
                where="columns",
            )
    return list(dict.fromkeys(columns))


def _categorical(values: Sequence[Any]) -> pa.Array:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    index_type = np.int16 if len(uniques) < 2**15 else np.int32
    indices = pa.array(codes.astype(index_type), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(uniques), type=pa.string()))


def _metadata_column(session: Session, field: str) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Datapoint.metadata_, JSONB)[field]
    return func.json_extract(Datapoint.metadata_, f'$."{field}"')


def _metadata_array(values: list[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array(values, type=pa.float64())
    return _categorical([None if v is None else str(v) for v in values])


def points_table(store: Store, projection_id: int, columns: Sequence[str] = ()) -> pa.Table:
    columns = check_columns(columns)
    with store.read() as session:
        projection = session.get(ProjectionSet, projection_id)
        if projection is None:
            raise NotFound(f"no projection with id {projection_id}", where="projection")
        space = session.get(Space, projection.space_id)
        assert space is not None
        coords = read_coordinates(session, projection_id)
        wanted = [c for c in columns if c not in ("tags", "dataset")]
        sql_columns: list[Any] = [Datapoint.id, Datapoint.dataset_id]
        for name in wanted:
            if name == "score":
                sql_columns.append(Datapoint.prediction_score)
            elif name.startswith(METADATA_PREFIX):
                sql_columns.append(_metadata_column(session, name[len(METADATA_PREFIX) :]))
            else:
                sql_columns.append(getattr(Datapoint, name))
        datasets = dict(
            session.execute(
                select(Dataset.id, Dataset.name).where(Dataset.project_id == space.project_id)
            ).all()
        )
        query = select(*sql_columns).where(Datapoint.dataset_id.in_(list(datasets)))
        if projection.dataset_ids is not None:
            query = query.where(Datapoint.dataset_id.in_(projection.dataset_ids))
        rows = session.execute(query.order_by(Datapoint.id)).all()
        tags = _tags_by_id(session, space.project_id) if "tags" in columns else {}
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    # Keep the points whose datapoint still exists, in map order.
    pos = np.searchsorted(ids, coords.datapoint_ids).clip(0, max(len(ids) - 1, 0))
    alive = (ids[pos] == coords.datapoint_ids) if len(ids) else np.zeros(len(coords), bool)
    take = pos[alive]
    out: dict[str, pa.Array] = {
        "id": pa.array(coords.datapoint_ids[alive]),
        "x": pa.array(coords.coords[alive, 0]),
        "y": pa.array(coords.coords[alive, 1]),
        "placed": pa.array(coords.placed[alive]),
    }
    for name in columns:
        if name == "dataset":
            dataset_ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
            out[name] = _categorical([datasets[i] for i in dataset_ids[take].tolist()])
        elif name == "tags":
            out[name] = pa.array(
                [tags.get(i, []) for i in coords.datapoint_ids[alive].tolist()],
                type=pa.list_(pa.string()),
            )
        else:
            values = _pick([r[2 + wanted.index(name)] for r in rows], take)
            if name == "score":
                out[name] = pa.array(values, type=pa.float32())
            elif name == "key":
                out[name] = pa.array(values, type=pa.string())
            elif name.startswith(METADATA_PREFIX):
                out[name] = _metadata_array(values)
            else:
                out[name] = _categorical(values)
    return pa.table(out)


def _pick(values: list[Any], take: npt.NDArray[np.intp]) -> list[Any]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return list(array[take])


def _tags_by_id(session: Session, project_id: int) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    rows = session.execute(
        select(datapoint_tag.c.datapoint_id, Tag.name)
        .join(Tag, Tag.id == datapoint_tag.c.tag_id)
        .where(Tag.project_id == project_id)
        .order_by(Tag.name)
    )
    for datapoint_id, name in rows:
        out.setdefault(datapoint_id, []).append(name)
    return out
