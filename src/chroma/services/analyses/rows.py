"""Reading an analysis's per-datapoint results: a sorted page (GraphQL), the whole table
(the Arrow endpoint the SDK reads), one column aligned to a map (the points endpoint).

Results are Arrow chunks (``db/analyses.py``); a small per-process cache keyed by the
analysis and its ``computed_at`` keeps paging through one result from decoding it again.
Rows whose datapoint was deleted since the computation are left out. Sorting puts nulls
(and NaN) last in either direction; ties go by datapoint id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.core.lru import Lru
from chroma.core.wire import MAX_ROW_ID
from chroma.db.analyses import AnalysisResults, read_results
from chroma.db.models import Analysis, Datapoint, Dataset, Space
from chroma.db.store import Store
from chroma.services import computed
from chroma.services.analyses.params import KINDS
from chroma.services.analyses.requests import ANALYSES
from chroma.services.columns import dataset_array, read_columns
from chroma.services.datapoints import DatapointRecord, records_by_id

MAX_PAGE_SIZE = 1000
ANALYSIS_PREFIX = "analysis."
_cache: Lru[tuple[int, str], AnalysisResults] = Lru(4)


def stored_results(session: Session, row: Analysis) -> AnalysisResults:
    """The analysis's results (empty before its first computation), cached per process."""
    if row.computed_at is None:
        return AnalysisResults(np.empty(0, np.int64), pa.table({}))
    key = (row.id, row.computed_at.isoformat())
    results = _cache.get(key)
    if results is None:
        results = read_results(session, row.id)
        _cache.put(key, results)
    return results


def _project_datasets(session: Session, row: Analysis) -> dict[str, int]:
    query = (
        select(Dataset.name, Dataset.id)
        .join(Space, Space.project_id == Dataset.project_id)
        .where(Space.id == row.space_id)
    )
    return {str(name): int(i) for name, i in session.execute(query).all()}


def _alive(
    session: Session, row: Analysis, results: AnalysisResults, datasets: Sequence[str] | None
) -> npt.NDArray[np.bool_]:
    """Which result rows belong to a datapoint that exists (in ``datasets`` when given)."""
    by_name = _project_datasets(session, row)
    if datasets is not None:
        for name in datasets:
            if name not in by_name:
                raise NotFound(f"no dataset named {name!r}", where="datasets")
        dataset_ids = [by_name[name] for name in datasets]
    else:
        dataset_ids = row.dataset_ids if row.dataset_ids is not None else list(by_name.values())
    ids = np.fromiter(
        session.scalars(select(Datapoint.id).where(Datapoint.dataset_id.in_(dataset_ids))),
        dtype=np.int64,
    )
    return np.isin(results.datapoint_ids, ids)


def _sort_key(values: pa.Array) -> npt.NDArray[np.float64]:
    """A column as float64 sort keys: NaN where missing (null or NaN), text by its rank."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        codes, _ = pd.factorize(pd.Series(values.to_pylist(), dtype=object), sort=True)
        keys = codes.astype(np.float64)
        keys[codes < 0] = np.nan
        return keys
    if pa.types.is_boolean(values.type):
        values = values.cast(pa.int8())
    return np.asarray(
        pc.fill_null(values.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False),
        dtype=np.float64,
    )


def order_rows(
    results: AnalysisResults,
    kind: str,
    order_by: str | None,
    descending: bool | None,
    rows: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """``rows`` (positions into ``results``) sorted by a column; the kind's order by default."""
    default_column, default_descending = KINDS[kind].order
    column = order_by or default_column
    computed = results.table.column_names
    if order_by is None and computed and column not in computed:
        # A result computed before its kind's main column existed (outliers' ood_score):
        # its first column of the kind's, in the kind's order, instead of an error.
        column = next((c for c in KINDS[kind].columns if c in computed), column)
    if descending is None:
        descending = default_descending if order_by is None else True
    known = results.table.column_names or list(KINDS[kind].columns)
    if column not in known:
        raise InvalidInput(
            f"no column {column!r} in a {kind} analysis; use {', '.join(known)}", where="orderBy"
        )
    if column not in results.table.column_names:  # nothing computed yet: nothing to sort
        return rows
    values = results.table.column(column)
    if pa.types.is_list(values.type):
        raise InvalidInput(f"{column} holds lists: order by another column", where="orderBy")
    keys = _sort_key(values.combine_chunks().take(pa.array(rows, type=pa.int64())))
    missing = np.isnan(keys)
    keys = np.where(missing, 0.0, -keys if descending else keys)
    # lexsort's last key sorts first: present before missing, then the value, then the id.
    order = np.lexsort((results.datapoint_ids[rows], keys, missing))
    sorted_rows: npt.NDArray[np.intp] = rows[order]
    return sorted_rows


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class RowsPage:
    total: int
    records: list[DatapointRecord]
    values: list[dict[str, Any]]


def analysis_rows(
    session: Session,
    analysis_id: int,
    *,
    first: int = 50,
    offset: int = 0,
    order_by: str | None = None,
    descending: bool | None = None,
    datasets: Sequence[str] | None = None,
) -> RowsPage:
    """One page of results with their datapoints; ``total`` counts every matching row."""
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(f"first must be between 0 and {MAX_PAGE_SIZE}", where="first")
    if offset < 0:
        raise InvalidInput("offset must not be negative", where="offset")
    row = computed.get_row(session, ANALYSES, analysis_id)
    results = stored_results(session, row)
    rows = np.flatnonzero(_alive(session, row, results, datasets))
    ordered = order_rows(results, row.kind, order_by, descending, rows)
    page = ordered[offset : offset + first]
    records = records_by_id(session, results.datapoint_ids[page].tolist())
    values = results.table.take(pa.array(page, type=pa.int64())).to_pylist()
    kept = [
        (records[int(i)], {k: _json_value(v) for k, v in value.items()})
        for i, value in zip(results.datapoint_ids[page].tolist(), values, strict=True)
        if int(i) in records
    ]
    return RowsPage(
        total=len(ordered),
        records=[record for record, _ in kept],
        values=[value for _, value in kept],
    )


def analysis_table(
    store: Store,
    analysis_id: int,
    *,
    order_by: str | None = None,
    descending: bool | None = None,
    datasets: Sequence[str] | None = None,
) -> pa.Table:
    """Every result row with its datapoint's key, dataset, label, prediction and score.

    Datapoint-id list columns (a mislabel's ``evidence``) come as lists of client keys.
    """
    with store.read() as session:
        row = computed.get_row(session, ANALYSES, analysis_id)
        results = stored_results(session, row)
        space = session.get(Space, row.space_id)
        assert space is not None
        read = read_columns(
            session,
            space.project_id,
            ("key", "label", "prediction", "score"),
            dataset_ids=row.dataset_ids,
        )
        alive = _alive(session, row, results, datasets) if datasets is not None else None
    pos, present = read.positions(results.datapoint_ids)
    if alive is not None:
        present &= alive
    ordered = order_rows(results, row.kind, order_by, descending, np.flatnonzero(present))
    take = pos[ordered]
    keys = read.values["key"]
    out: dict[str, pa.Array] = {
        "datapoint_id": pa.array(results.datapoint_ids[ordered], type=pa.int64()),
        "key": pa.array(keys[take], type=pa.string()),
        "dataset": dataset_array(read.dataset_ids[take], read.dataset_names),
        "label": pa.array(read.values["label"][take], type=pa.string()),
        "prediction": pa.array(read.values["prediction"][take], type=pa.string()),
        "score": pa.array(read.values["score"][take], type=pa.float64()),
    }
    picked = results.table.take(pa.array(ordered, type=pa.int64()))
    for name in picked.column_names:
        column = picked.column(name).combine_chunks()
        if pa.types.is_list(column.type):
            column = _keys_of(column, read.ids, keys)
        out[name] = column
    return pa.table(out)


def _keys_of(
    lists: pa.ListArray, ids: npt.NDArray[np.int64], keys: npt.NDArray[np.object_]
) -> pa.Array:
    """Lists of datapoint ids as lists of their client keys (ids since deleted dropped)."""
    flat = lists.flatten().to_numpy(zero_copy_only=False).astype(np.int64)
    pos = np.searchsorted(ids, flat).clip(0, max(len(ids) - 1, 0))
    found = ids[pos] == flat if len(ids) else np.zeros(len(flat), bool)
    owner = np.repeat(np.arange(len(lists)), np.diff(lists.offsets.to_numpy()))
    counts = np.bincount(owner[found], minlength=len(lists))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    values = pa.array(list(keys[pos[found]]), type=pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def parse_column(name: str) -> tuple[int, str] | None:
    """``analysis.<id>.<column>`` as (id, column); None for other names."""
    if not name.startswith(ANALYSIS_PREFIX):
        return None
    rest = name[len(ANALYSIS_PREFIX) :]
    number, _, column = rest.partition(".")
    # ASCII digits up to MAX_ROW_ID: int() also takes other scripts' digits ("²" passes
    # isdigit() and then fails int()), and a larger id reaches no database column.
    is_id = number.isascii() and number.isdigit() and len(number) <= 19
    if not is_id or int(number) > MAX_ROW_ID or not column:
        raise InvalidInput(
            f"{name!r}: an analysis column is analysis.<id>.<column>", where="columns"
        )
    return int(number), column


def analysis_stamp(session: Session, project_id: int, analysis_id: int) -> str:
    """What an analysis's served columns depend on (its latest result), checking that it
    belongs to the project."""
    row = session.get(Analysis, analysis_id)
    space = session.get(Space, row.space_id) if row is not None else None
    if row is None or space is None or space.project_id != project_id:
        raise NotFound(f"no analysis {analysis_id} in this map's project", where="columns")
    return row.computed_at.isoformat() if row.computed_at is not None else "-"


def analysis_column(
    session: Session, project_id: int, analysis_id: int, column: str
) -> tuple[npt.NDArray[np.int64], pa.Array]:
    """One result column of an analysis of the project, and whose values they are."""
    row = session.get(Analysis, analysis_id)
    space = session.get(Space, row.space_id) if row is not None else None
    if row is None or space is None or space.project_id != project_id:
        raise NotFound(f"no analysis {analysis_id} in this map's project", where="columns")
    results = stored_results(session, row)
    known = list(results.table.column_names) or list(KINDS[row.kind].columns)
    if column not in known:
        raise InvalidInput(
            f"no column {column!r} in {row.kind} analysis {analysis_id}; use {', '.join(known)}",
            where="columns",
        )
    if column not in results.table.column_names:  # not computed yet: every value missing
        return np.empty(0, np.int64), pa.array([], type=pa.float32())
    values = results.table.column(column).combine_chunks()
    if pa.types.is_list(values.type):
        raise InvalidInput(f"{column} holds lists, not one value per point", where="columns")
    return results.datapoint_ids, values
