"""Facets: per field, which values the datapoints have and how many of each.

For the Explorer's overview and its filter lists: labels, predictions, datasets, tags and
metadata fields (scalars; numbers also get their min and max). A text field whose values
are (nearly) unique per row (a request id, a file path) is an ``identifier``: a list of
thousands of values of count 1 filters nothing, so the Explorer offers a text filter for
it instead (:func:`is_identifier` decides, here only). Counts are over the
project's datapoints in some datasets, and with ``space`` over those with a vector in
that space (what its maps show).

One query fetches the id, dataset and every wanted field of those datapoints (the metadata
fields as one value a row: ``columns.metadata_column``, any field name, bounded memory);
counting is columnar (pandas) in this process. A million datapoints cost about what
``points_table`` costs for the same columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
from sqlalchemy import func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from chroma.core.columns import METADATA_PREFIX
from chroma.core.errors import InvalidInput, NotFound
from chroma.db.models import Datapoint, Dataset
from chroma.db.store import Store
from chroma.db.vectors import snapshot_space
from chroma.services import catalog
from chroma.services.columns import metadata_column, split_metadata
from chroma.services.tags import tags_by_datapoint

BASE_FIELDS = ("label", "prediction", "dataset", "tags")
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_FIELDS = 200
IDENTIFIER_MIN_DISTINCT = 50
"""Fewer different values than this always make a list (one short enough to read)."""
IDENTIFIER_MIN_SHARE = 0.5
"""Different values per datapoint with a value from which a field is identifier-like: on
average at most two datapoints share a value."""


@dataclass(frozen=True)
class FacetValue:
    value: str
    """The value as text: strings as they are, numbers and booleans as JSON writes them."""
    count: int


@dataclass(frozen=True)
class Facet:
    field: str
    kind: str
    """``category`` (text, booleans, mixed), ``identifier`` (a category whose values are
    nearly unique per datapoint: :func:`is_identifier`), ``number`` (numeric metadata) or
    ``tags``."""
    values: list[FacetValue]
    """Most frequent first (ties by value), at most ``limit``."""
    distinct: int
    """How many different values there are (also those beyond ``limit``)."""
    missing: int
    """Datapoints without a value (for tags: without any tag). Nested metadata values
    (objects, lists) count as missing."""
    total: int
    """Datapoints counted."""
    min: float | None = None
    max: float | None = None


def check_fields(fields: Sequence[str]) -> list[str]:
    if len(fields) > MAX_FIELDS:
        raise InvalidInput(f"at most {MAX_FIELDS} fields at once", where="fields")
    for name in fields:
        if name in BASE_FIELDS:
            continue
        if not (name.startswith(METADATA_PREFIX) and len(name) > len(METADATA_PREFIX)):
            raise InvalidInput(
                f"unknown field {name!r}; use {', '.join(BASE_FIELDS)} or metadata.<field>",
                where="fields",
            )
    return list(dict.fromkeys(fields))


def _dataset_names(
    session: Session, project_id: int, names: Sequence[str] | None
) -> dict[int, str]:
    known = dict(
        session.execute(
            select(Dataset.name, Dataset.id).where(Dataset.project_id == project_id)
        ).all()
    )
    if names is None:
        return {id_: name for name, id_ in known.items()}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise NotFound(f"no dataset named {unknown[0]!r} in this project", where="datasets")
    return {known[name]: name for name in names}


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def metadata_fields(session: Session, dataset_ids: list[int]) -> list[str]:
    """Every metadata field name used in these datasets, sorted."""
    if _is_postgres(session):
        document = type_coerce(Datapoint.metadata_, JSONB)
        query = (
            select(func.jsonb_object_keys(document))
            .where(Datapoint.dataset_id.in_(dataset_ids), func.jsonb_typeof(document) == "object")
            .distinct()
        )
    else:
        entries = func.json_each(Datapoint.metadata_).table_valued("key")
        query = (
            select(entries.c.key)
            .distinct()
            .select_from(Datapoint)
            .join(entries, Datapoint.metadata_.is_not(None))
            .where(
                Datapoint.dataset_id.in_(dataset_ids),
                func.json_type(Datapoint.metadata_) == "object",
            )
        )
    return sorted(str(name) for name in session.scalars(query))


def _json_types(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The JSON type of each (parsed) value, named as SQLite's ``json_type`` names them."""
    types = np.empty(len(values), dtype=object)
    types[:] = [_json_type(value) for value in values]
    return types


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "text"
    return "object" if isinstance(value, dict) else "array"


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _ranked(counts: pd.Series, limit: int) -> list[FacetValue]:
    frame = pd.DataFrame({"value": [_as_text(v) for v in counts.index], "count": counts.values})
    frame = frame.sort_values(["count", "value"], ascending=[False, True], kind="stable")
    return [
        FacetValue(value=str(value), count=int(count))
        for value, count in frame.head(limit).itertuples(index=False)
    ]


def is_identifier(distinct: int, counted: int) -> bool:
    """Whether a text field with ``distinct`` different values over ``counted`` datapoints
    (those with a value) names rows rather than groups them."""
    return distinct >= IDENTIFIER_MIN_DISTINCT and distinct >= IDENTIFIER_MIN_SHARE * counted


def _category(field: str, values: pd.Series, total: int, limit: int) -> Facet:
    counts = values.dropna().value_counts(sort=False)
    counted = int(counts.sum())
    return Facet(
        field=field,
        kind="identifier" if is_identifier(len(counts), counted) else "category",
        values=_ranked(counts, limit),
        distinct=len(counts),
        missing=total - counted,
        total=total,
    )


_NUMBER_TYPES = {"integer", "real", "number"}
_SCALAR_TYPES = {"text", "string", "true", "false", "boolean", *_NUMBER_TYPES}


def _metadata_facet(
    field: str, types: npt.NDArray[Any], raw: npt.NDArray[Any], total: int, limit: int
) -> Facet:
    scalar = np.isin(types, list(_SCALAR_TYPES))
    numeric = np.isin(types, list(_NUMBER_TYPES))
    if scalar.any() and (numeric == scalar).all():
        numbers = pd.to_numeric(pd.Series(raw[numeric]), errors="coerce").astype(float)
        counts = numbers.value_counts(sort=False)
        counts.index = [int(v) if float(v).is_integer() else float(v) for v in counts.index]
        return Facet(
            field=field,
            kind="number",
            values=_ranked(counts, limit),
            distinct=len(counts),
            missing=total - int(scalar.sum()),
            total=total,
            min=float(numbers.min()),
            max=float(numbers.max()),
        )
    texts = np.empty(len(raw), dtype=object)
    for i in np.flatnonzero(scalar):
        kind, value = types[i], raw[i]
        if kind in ("true", "false", "boolean"):
            truth = kind == "true" or (kind == "boolean" and str(value).lower() == "true")
            texts[i] = "true" if truth else "false"
        elif kind in _NUMBER_TYPES:
            number = float(value)
            texts[i] = _as_text(int(number) if number.is_integer() else number)
        else:
            texts[i] = str(value)
    return _category(field, pd.Series(texts, dtype=object), total, limit)


def facets(
    store: Store,
    *,
    project: str,
    space: str | None = None,
    datasets: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Facet]:
    """The facets of ``fields`` (default: label, prediction, dataset, tags and every
    metadata field that has a scalar value among the datapoints counted), in the order
    asked."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", where="limit")
    wanted = check_fields(fields) if fields is not None else None
    with store.read() as session:
        proj = catalog.get_project(session, project)
        names = _dataset_names(session, proj.id, datasets)
        dataset_ids = list(names)
        in_space: npt.NDArray[np.int64] | None = None
        if space is not None:
            found = catalog.get_space(session, proj, space)
            slices = snapshot_space(
                store,
                session,
                space_id=found.id,
                dimension=found.dimension,
                dataset_ids=dataset_ids,
            )
            parts = [s.datapoint_ids for s in slices]
            in_space = np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)
        if wanted is None:
            wanted = [*BASE_FIELDS] + [
                f"{METADATA_PREFIX}{name}" for name in metadata_fields(session, dataset_ids)
            ]
        columns: list[Any] = [Datapoint.id, Datapoint.dataset_id]
        for name in wanted:
            if name in ("label", "prediction"):
                columns.append(getattr(Datapoint, name))
        nested = [n[len(METADATA_PREFIX) :] for n in wanted if n.startswith(METADATA_PREFIX)]
        if nested:
            columns.append(metadata_column(session, nested))
        rows = session.execute(select(*columns).where(Datapoint.dataset_id.in_(dataset_ids)))
        table = pd.DataFrame(rows.all(), columns=[f"c{i}" for i in range(len(columns))])
        tags = _tag_pairs(session, proj.id, dataset_ids) if "tags" in wanted else np.empty((0, 2))

    ids = table["c0"].to_numpy(dtype=np.int64)
    keep = np.isin(ids, in_space) if in_space is not None else np.ones(len(ids), bool)
    table = table[keep]
    metadata = (
        split_metadata(nested, table[f"c{len(columns) - 1}"].to_numpy(dtype=object))
        if nested
        else {}
    )
    total = len(table)
    out: list[Facet] = []
    position = 2
    for name in wanted:
        if name in ("label", "prediction"):
            out.append(_category(name, table[f"c{position}"], total, limit))
            position += 1
        elif name == "dataset":
            dataset_names = table["c1"].map(names)
            out.append(_category(name, dataset_names, total, limit))
        elif name == "tags":
            out.append(_tags_facet(tags, table["c0"].to_numpy(dtype=np.int64), total, limit))
        else:
            raw = metadata[name[len(METADATA_PREFIX) :]]
            out.append(_metadata_facet(name, _json_types(raw), raw, total, limit))
    if fields is None:
        # Fields found in the datasets but with no value here (other spaces' datapoints,
        # only nested values) would be empty lists in the overview.
        out = [f for f in out if f.values or not f.field.startswith(METADATA_PREFIX)]
    return out


def _tag_pairs(session: Session, project_id: int, dataset_ids: list[int]) -> npt.NDArray[Any]:
    """(datapoint id, tag name) of every tagged datapoint in these datasets."""
    tags = tags_by_datapoint(session, project_id, dataset_ids=dataset_ids)
    rows = [(datapoint_id, name) for datapoint_id, names in tags.items() for name in names]
    return np.array(rows, dtype=object).reshape(-1, 2)


def _tags_facet(
    pairs: npt.NDArray[Any], ids: npt.NDArray[np.int64], total: int, limit: int
) -> Facet:
    tagged_ids = pairs[:, 0].astype(np.int64) if len(pairs) else np.empty(0, np.int64)
    counted = pairs[np.isin(tagged_ids, ids)] if len(pairs) else pairs
    counts = pd.Series(counted[:, 1], dtype=object).value_counts(sort=False)
    with_tags = len(np.unique(counted[:, 0].astype(np.int64))) if len(counted) else 0
    return Facet(
        field="tags",
        kind="tags",
        values=_ranked(counts, limit),
        distinct=len(counts),
        missing=total - with_tags,
        total=total,
    )
