"""Facets: per field, which values the datapoints have and how many of each.

For the Explorer's overview and its filter lists: labels, predictions, datasets, tags and
metadata fields (scalars; numbers also get their min and max). A text field whose values
are (nearly) unique per row (a request id, a file path) is an ``identifier``: a list of
thousands of values of count 1 filters nothing, so the Explorer offers a text filter for
it instead (:func:`is_identifier` decides, here only). Counts are over the
project's datapoints in some datasets, and with ``space`` over those with a vector in
that space (what its maps show).

The database counts (``services/facet_sql.py``), one grouped query a field: its ``limit``
most frequent texts, how many different texts there are, and how many rows have a number
instead. A text field (every field the Explorer classifies) costs that one scan; a field
with numbers costs a second one, which brings every different number with its count, to
be written as text here as the answers always have (1, 1.0 and "1" one value in a mixed
field). No datapoint row is read into Python: the old columnar read cost ~7 s at 200,000
datapoints, this ~0.8 s (both with the machine's load at 7-10).

Answers are kept per process (:data:`ANSWERS`), keyed by the revisions of the project and
of the datasets counted (``catalog.stamp``: every write to their datapoints, tags and
names bumps one) and by what was asked: the Explorer asks for the same facets on every
load, which took seconds at a million datapoints. Each request still reads the revisions,
in the snapshot it would count in, so an answer is never older than the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import ColumnElement, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from chroma.core.columns import METADATA_PREFIX
from chroma.core.errors import InvalidInput, NotFound
from chroma.core.lru import Lru
from chroma.db.models import Datapoint, Dataset
from chroma.db.store import Store
from chroma.db.vectors import live_datapoint_ids, repeatable_read
from chroma.services import catalog, facet_sql
from chroma.services.tags import tags_by_datapoint

BASE_FIELDS = ("label", "prediction", "dataset", "tags")
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_FIELDS = 200
ANSWERS: Lru[tuple[object, ...], list[Facet]] = Lru(64)
"""Answers by store, project, revisions and question."""
MAX_KEPT_VALUES = 20_000
"""Values an answer may hold to be kept: the Explorer's answers hold a few hundred, but one
question may ask for ``MAX_FIELDS`` x ``MAX_LIMIT`` (2 million), and 64 of those would hold
gigabytes."""
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


def metadata_fields(session: Session, dataset_ids: list[int]) -> list[str]:
    """Every metadata field name used in these datasets, sorted."""
    if facet_sql.is_postgres(session):
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


def _ranked(counts: dict[str, int], limit: int) -> list[FacetValue]:
    """Most frequent first, ties by value (code point order)."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FacetValue(value=value, count=count) for value, count in ranked[:limit]]


def is_identifier(distinct: int, counted: int) -> bool:
    """Whether a text field with ``distinct`` different values over ``counted`` datapoints
    (those with a value) names rows rather than groups them."""
    return distinct >= IDENTIFIER_MIN_DISTINCT and distinct >= IDENTIFIER_MIN_SHARE * counted


def _category(
    field: str, values: list[FacetValue], distinct: int, counted: int, total: int
) -> Facet:
    return Facet(
        field=field,
        kind="identifier" if is_identifier(distinct, counted) else "category",
        values=values,
        distinct=distinct,
        missing=total - counted,
        total=total,
    )


def _number_text(number: float) -> str:
    """A number among text values: whole numbers without a fraction (3.0 as "3")."""
    return str(int(number)) if number.is_integer() else orjson.dumps(number).decode()


def _field_facet(
    session: Session,
    where: list[ColumnElement[bool]],
    field: str,
    source: facet_sql.FieldSource,
    limit: int,
) -> Facet:
    """Text and booleans from one grouped query; numbers (alone, or mixed with text) need
    every value, written as text here."""
    found = facet_sql.field_counts(session, where, source, limit)
    total = found.total
    if not found.numbers:
        values = [FacetValue(value=text, count=n) for text, n in found.top]
        return _category(field, values, found.distinct_texts, found.texts, total)
    groups = facet_sql.all_groups(session, where, source)
    if found.texts:
        counts: dict[str, int] = {}
        for text, number, n in groups:
            # 1, 1.0 and "1" are one value, as are true and "true".
            key = _number_text(number) if number is not None else str(text)
            counts[key] = counts.get(key, 0) + n
        counted = found.texts + found.numbers
        return _category(field, _ranked(counts, limit), len(counts), counted, total)
    numbers = [(number, n) for _, number, n in groups if number is not None]
    if all(number.is_integer() for number, _ in numbers):
        counts = {str(int(number)): n for number, n in numbers}
    else:
        # A field with any fraction writes every value as a float (3 as "3.0"), as the
        # answers always have.
        counts = {orjson.dumps(number).decode(): n for number, n in numbers}
    return Facet(
        field=field,
        kind="number",
        values=_ranked(counts, limit),
        distinct=len(numbers),
        missing=total - found.numbers,
        total=total,
        min=found.min,
        max=found.max,
    )


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
        repeatable_read(session)  # several queries, one snapshot (as SQLite's reads are)
        proj = catalog.get_project(session, project)
        names = _dataset_names(session, proj.id, datasets)
        dataset_ids = list(names)
        space_row = catalog.get_space(session, proj, space) if space is not None else None
        asked = (
            store.instance,
            proj.id,
            catalog.stamp(session, proj.id, dataset_ids),
            space_row.id if space_row is not None else None,
            tuple(wanted) if wanted is not None else None,
            limit,
        )
        answered = ANSWERS.get(asked)
        if answered is not None:
            return list(answered)
        in_space: npt.NDArray[np.int64] | None = None
        if space_row is not None:
            in_space = np.unique(live_datapoint_ids(session, space_row.id, dataset_ids))
        if wanted is None:
            wanted = [*BASE_FIELDS] + [
                f"{METADATA_PREFIX}{name}" for name in metadata_fields(session, dataset_ids)
            ]
        where: list[ColumnElement[bool]] = [Datapoint.dataset_id.in_(dataset_ids)]
        if in_space is not None:
            where.append(facet_sql.among_ids(session, in_space))
        by_field = {
            name: _field_facet(session, where, name, _source(session, name), limit)
            for name in wanted
            if name not in ("dataset", "tags")
        }
        # One snapshot (repeatable_read): every field counted the same rows.
        total = (
            next(iter(by_field.values())).total
            if by_field
            else facet_sql.count_rows(session, where)
        )
        out: list[Facet] = []
        for name in wanted:
            if name == "dataset":
                counts = facet_sql.dataset_counts(session, where)
                named = {names[i]: n for i, n in counts.items()}
                out.append(_category(name, _ranked(named, limit), len(named), total, total))
            elif name == "tags":
                tags = _tag_pairs(session, proj.id, dataset_ids)
                out.append(_tags_facet(tags, in_space, total, limit))
            else:
                out.append(by_field[name])
    if fields is None:
        # Fields found in the datasets but with no value here (other spaces' datapoints,
        # only nested values) would be empty lists in the overview.
        out = [f for f in out if f.values or not f.field.startswith(METADATA_PREFIX)]
    if sum(len(f.values) for f in out) <= MAX_KEPT_VALUES:
        ANSWERS.put(asked, out)
    return list(out)


def _source(session: Session, name: str) -> facet_sql.FieldSource:
    if name in ("label", "prediction"):
        return facet_sql.FieldSource(value=getattr(Datapoint, name))
    return facet_sql.metadata_source(session, name[len(METADATA_PREFIX) :])


def _tag_pairs(session: Session, project_id: int, dataset_ids: list[int]) -> npt.NDArray[Any]:
    """(datapoint id, tag name) of every tagged datapoint in these datasets."""
    tags = tags_by_datapoint(session, project_id, dataset_ids=dataset_ids)
    rows = [(datapoint_id, name) for datapoint_id, names in tags.items() for name in names]
    return np.array(rows, dtype=object).reshape(-1, 2)


def _tags_facet(
    pairs: npt.NDArray[Any], in_space: npt.NDArray[np.int64] | None, total: int, limit: int
) -> Facet:
    """Tags of the datapoints counted: the pairs are of the datasets' datapoints already,
    so only the space narrows them."""
    tagged_ids = pairs[:, 0].astype(np.int64) if len(pairs) else np.empty(0, np.int64)
    counted = pairs[np.isin(tagged_ids, in_space)] if in_space is not None else pairs
    counts = Counter(str(name) for name in counted[:, 1]) if len(counted) else Counter()
    with_tags = len(np.unique(counted[:, 0].astype(np.int64))) if len(counted) else 0
    return Facet(
        field="tags",
        kind="tags",
        values=_ranked(dict(counts), limit),
        distinct=len(counts),
        missing=total - with_tags,
        total=total,
    )
