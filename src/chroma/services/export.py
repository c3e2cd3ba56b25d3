"""A selection of a space's datapoints as a table for labeling tools and spreadsheets, in
the columns of the SDK's ``chroma.export`` (``chroma/core/columns.py``): datapoint_id,
key, dataset, label, prediction, score, uri, text (those with a value), ``correct``
(label equals prediction, where both are known), ``original_label`` (the label before
people corrected it, where they did), tags, one column per metadata field (by name), with
a projection the map's x, y and ``placed``, and the analysis columns asked for
(``analysis.<id>.<column>``, named by their column). Every format (CSV, JSON, Parquet) is
made from this one table, so they carry the same columns. Vectors stay out: this is the
Explorer's "export selection"; ``chroma export`` writes them.

Which datapoints: those with a vector in the space, among ``datapoint_ids`` when given and
passing ``where`` (both when both are given).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from chroma.core.columns import DROPPED_WHEN_EMPTY, metadata_column
from chroma.core.errors import InvalidInput, NotFound
from chroma.db.bulk import in_steps
from chroma.db.models import Datapoint, Dataset, ProjectionSet
from chroma.db.projections import read_coordinates
from chroma.db.store import Store
from chroma.db.vectors import snapshot_space
from chroma.services import catalog
from chroma.services.analyses.rows import analysis_column, parse_column
from chroma.services.columns import FieldColumns, read_columns
from chroma.services.corrections import original_labels
from chroma.services.datapoints import DatapointFilter, conditions

ExportFormat = Literal["csv", "parquet", "json"]
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
MAX_IDS = 5_000_000
ROWS_PER_PIECE = 20_000

FIELDS = ("key", "label", "prediction", "score", "uri", "text", "metadata", "tags")


def export_frame(
    store: Store,
    *,
    project: str,
    space: str,
    datapoint_ids: Sequence[int] | None = None,
    where: DatapointFilter | None = None,
    projection: int | None = None,
    columns: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows, in datapoint id order (see the module docstring)."""
    if datapoint_ids is not None and len(datapoint_ids) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS:,} datapoint ids", where="datapoint_ids")
    analysed = [(name, parse_column(name)) for name in columns]
    for name, found in analysed:
        if found is None:
            raise InvalidInput(
                f"{name!r}: only analysis columns (analysis.<id>.<column>) are asked for; "
                "the others are always there",
                where="columns",
            )
    with store.read() as session:
        proj = catalog.get_project(session, project)
        found_space = catalog.get_space(session, proj, space)
        coordinates = None
        if projection is not None:
            chosen = session.get(ProjectionSet, projection)
            if chosen is None:
                raise NotFound(f"no projection with id {projection}", where="projection")
            if chosen.space_id != found_space.id:
                raise InvalidInput(
                    f"projection {projection} maps another space than {space!r}",
                    where="projection",
                )
            coordinates = read_coordinates(session, projection)
        slices = snapshot_space(
            store, session, space_id=found_space.id, dimension=found_space.dimension
        )
        parts = [s.datapoint_ids for s in slices]
        in_space = np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)
        if datapoint_ids is not None:
            datapoint_ids = sorted({int(i) for i in datapoint_ids})
            _check_known(session, proj.id, datapoint_ids)
        read = read_columns(
            session,
            proj.id,
            FIELDS,
            where=conditions(session, proj, where or DatapointFilter()),
            ids=datapoint_ids,
        )
        scores = {
            name: analysis_column(session, proj.id, *found)
            for name, found in analysed
            if found is not None
        }
        originals = original_labels(session, np.unique(read.dataset_ids).tolist())
    frame = _table(read, np.isin(read.ids, in_space), coordinates)
    _add_corrections(frame, originals)
    for name, (ids, values) in scores.items():
        frame[_score_name(name, frame)] = _aligned(ids, values, frame["datapoint_id"].to_numpy())
    return frame


def _add_corrections(frame: pd.DataFrame, originals: dict[int, str | None]) -> None:
    """``correct`` after the prediction (and score), ``original_label`` after the label."""
    if "label" in frame and "prediction" in frame:
        known = frame["label"].notna() & frame["prediction"].notna()
        correct = (frame["label"] == frame["prediction"]).astype(object).where(known, None)
        after = "score" if "score" in frame else "prediction"
        frame.insert(list(frame.columns).index(after) + 1, "correct", correct)
    if originals and "label" in frame:
        ids, labels = frame["datapoint_id"].tolist(), frame["label"].tolist()
        original = [originals.get(i, label) for i, label in zip(ids, labels, strict=True)]
        frame.insert(list(frame.columns).index("label") + 1, "original_label", original)


def _score_name(name: str, frame: pd.DataFrame) -> str:
    """``analysis.12.mislabel_score`` as ``mislabel_score`` (``mislabel_score_12`` when two
    analyses of one kind are asked for, or the name is taken)."""
    analysis_id, _, column = name.removeprefix("analysis.").partition(".")
    return column if column not in frame else f"{column}_{analysis_id}"


def _aligned(ids: npt.NDArray[np.int64], values: pa.Array, wanted: npt.NDArray[np.int64]) -> Any:
    """An analysis column's values in the order of ``wanted`` ids (None where it has none)."""
    by_id = dict(zip(ids.tolist(), values.to_pylist(), strict=True))
    return [by_id.get(i) for i in wanted.tolist()]


def _check_known(session: Any, project_id: int, wanted: list[int]) -> None:
    """Every id must be a datapoint of the project: a stale selection says so."""
    known: set[int] = set()
    for part in in_steps(wanted):
        known.update(
            session.scalars(
                select(Datapoint.id)
                .join(Dataset, Dataset.id == Datapoint.dataset_id)
                .where(Dataset.project_id == project_id, Datapoint.id.in_(part))
            )
        )
    missing = [i for i in wanted if i not in known]
    if missing:
        raise NotFound(
            f"{len(missing)} datapoint ids are not in this project (first: {missing[0]})",
            where="datapoint_ids",
        )


def _table(read: FieldColumns, keep: npt.NDArray[np.bool_], coordinates: Any) -> pd.DataFrame:
    ids = read.ids[keep]
    names = read.dataset_names
    out = pd.DataFrame({"datapoint_id": ids, "key": read.values["key"][keep]})
    out["dataset"] = [names[i] for i in read.dataset_ids[keep].tolist()]
    for name in DROPPED_WHEN_EMPTY:
        column = pd.Series(read.values[name][keep], dtype=object)
        if column.notna().any():
            out[name] = column.astype(float) if name == "score" else column
    out["tags"] = [read.tags.get(i, []) for i in ids.tolist()]
    metadata = [m if isinstance(m, dict) else {} for m in read.values["metadata"][keep]]
    # Sorted: PostgreSQL's jsonb keeps no key order, and a file should not depend on it.
    fields: set[str] = set()
    for item in metadata:
        fields.update(item)
    for field in sorted(fields):
        out[metadata_column(field)] = [item.get(field) for item in metadata]
    if coordinates is not None:
        order = np.argsort(coordinates.datapoint_ids)
        sorted_ids = coordinates.datapoint_ids[order]
        pos = np.searchsorted(sorted_ids, ids).clip(0, max(len(sorted_ids) - 1, 0))
        on_map = sorted_ids[pos] == ids if len(sorted_ids) else np.zeros(len(ids), bool)
        xy = coordinates.coords[order][pos] if len(sorted_ids) else np.zeros((len(ids), 2))
        out["x"] = np.where(on_map, xy[:, 0], np.nan).astype(np.float32)
        out["y"] = np.where(on_map, xy[:, 1], np.nan).astype(np.float32)
        placed = coordinates.placed[order][pos] if len(sorted_ids) else np.zeros(len(ids), bool)
        out["placed"] = pd.Series(placed, dtype=object).where(on_map, None)
    return out


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def encode(frame: pd.DataFrame, format: ExportFormat) -> Iterator[bytes]:
    """The table in ``format``, piece by piece (CSV and JSON stream; Parquet is one piece)."""
    if format == "parquet":
        yield _parquet(frame)
    elif format == "csv":
        text = frame.copy()
        text["tags"] = [",".join(t) for t in frame["tags"]]
        for field in _nested_columns(text):
            text[field] = [_json_text(v) for v in text[field]]
        for start in range(0, max(len(text), 1), ROWS_PER_PIECE):
            piece = text.iloc[start : start + ROWS_PER_PIECE]
            yield piece.to_csv(index=False, header=start == 0).encode()
    else:
        yield b"["
        columns = list(frame.columns)
        for start in range(0, len(frame), ROWS_PER_PIECE):
            piece = frame.iloc[start : start + ROWS_PER_PIECE]
            rows = [
                dict(zip(columns, (_json_safe(v) for v in values), strict=True))
                for values in piece.itertuples(index=False, name=None)
            ]
            body = b",\n".join(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) for row in rows)
            yield (b",\n" if start else b"\n") + body
        yield b"\n]\n"


def _nested_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(name)
        for name in frame.columns
        if frame[name].dtype == object
        and any(isinstance(v, dict | list) for v in frame[name] if v is not None)
    ]


def _json_text(value: Any) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, dict | list) else value


def _parquet(frame: pd.DataFrame) -> bytes:
    arrays: dict[str, pa.Array] = {}
    for name in frame.columns:
        if name == "tags":
            arrays[name] = pa.array(frame[name].tolist(), pa.list_(pa.string()))
            continue
        try:
            arrays[str(name)] = pa.array(frame[name], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            # Mixed or nested metadata values become JSON text, as in the SDK's export.
            arrays[str(name)] = pa.array(
                [None if v is None else orjson.dumps(v, default=str).decode() for v in frame[name]],
                pa.string(),
            )
    out = io.BytesIO()
    pq.write_table(pa.table(arrays), out)
    return out.getvalue()
