"""The points of a map for the Explorer and the SDK: (id, x, y, placed) plus chosen columns,
as one Arrow table.

Sized for a million points: categorical columns (label, prediction, dataset, metadata
strings) are dictionary-encoded with int16 indices where they fit, coordinates are float32,
and nothing is built one Python object per point except what SQL hands back per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.models import ProjectionSet, Space
from chroma.db.projections import read_coordinates
from chroma.db.store import Store
from chroma.services import columns as fields
from chroma.services.analyses.rows import analysis_column, parse_column

BASE_COLUMNS = ("label", "prediction", "score", "dataset", "key", "tags")


def check_columns(columns: Sequence[str]) -> list[str]:
    for name in columns:
        if name in BASE_COLUMNS or parse_column(name) is not None:
            continue
        if fields.metadata_field(name) is None:
            raise InvalidInput(
                f"unknown column {name!r}; use {', '.join(BASE_COLUMNS)}, metadata.<field> "
                "or analysis.<id>.<column>",
                where="columns",
            )
    return list(dict.fromkeys(columns))


def points_table(store: Store, projection_id: int, columns: Sequence[str] = ()) -> pa.Table:
    columns = check_columns(columns)
    with store.read() as session:
        projection = session.get(ProjectionSet, projection_id)
        if projection is None:
            raise NotFound(f"no projection with id {projection_id}", where="projection")
        space = session.get(Space, projection.space_id)
        assert space is not None
        coords = read_coordinates(session, projection_id)
        scored = {
            name: analysis_column(session, space.project_id, *found)
            for name in columns
            if (found := parse_column(name)) is not None
        }
        read = fields.read_columns(
            session,
            space.project_id,
            [c for c in columns if c not in scored],
            dataset_ids=projection.dataset_ids,
        )
    # Keep the points whose datapoint still exists, in map order.
    pos, alive = read.positions(coords.datapoint_ids)
    take = pos[alive]
    ids = coords.datapoint_ids[alive]
    out: dict[str, pa.Array] = {
        "id": pa.array(ids),
        "x": pa.array(coords.coords[alive, 0]),
        "y": pa.array(coords.coords[alive, 1]),
        "placed": pa.array(coords.placed[alive]),
    }
    for name in columns:
        if name in scored:
            out[name] = _scores(*scored[name], ids)
        elif name == "dataset":
            out[name] = fields.dataset_array(read.dataset_ids[take], read.dataset_names)
        elif name == "tags":
            out[name] = fields.tag_lists(read.tags, ids)
        else:
            values = list(read.values[name][take])
            if name == "score":
                out[name] = pa.array(values, type=pa.float32())
            elif name == "key":
                out[name] = pa.array(values, type=pa.string())
            elif fields.metadata_field(name) is not None:
                out[name] = fields.metadata_array(values)
            else:
                out[name] = fields.categorical(values)
    return pa.table(out)


def _scores(
    ids: npt.NDArray[np.int64], values: pa.Array, wanted: npt.NDArray[np.int64]
) -> pa.Array:
    """An analysis column aligned to ``wanted`` ids (null where it has no value): numbers
    as float32, text dictionary-encoded, booleans as they are."""
    order = np.argsort(ids)
    pos = np.searchsorted(ids[order], wanted).clip(0, max(len(ids) - 1, 0))
    found = ids[order][pos] == wanted if len(ids) else np.zeros(len(wanted), bool)
    taken = values.take(pa.array(order[pos], mask=~found)) if len(ids) else None
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return fields.categorical(taken.to_pylist() if taken is not None else [None] * len(wanted))
    if pa.types.is_boolean(values.type):
        return taken if taken is not None else pa.nulls(len(wanted), pa.bool_())
    if taken is None:
        return pa.nulls(len(wanted), pa.float32())
    return taken.cast(pa.float32())
