"""The SQL side of facets: each field's values counted by the database, so that a million
datapoints cost a few scans rather than a million parsed JSON values in Python.

A metadata field reads as two SQL values a row (:class:`FieldKeys`): ``text``, the text
of a string or a boolean (``true``/``false``, as JSON writes them), and ``number``, a
number read as a float. Nulls, nested values and absent fields are neither. Field names
are bound parameters: on PostgreSQL ``metadata -> :name``; on SQLite a quoted JSON path
for names that a path spells as they are, else a lookup in ``json_each`` by key (a path
cannot hold a quote, and SQLite 3.40 compares a path with a key as written, escapes
included).

Ordering by text is by code point, as Python orders strings: SQLite compares bytes, and
PostgreSQL is told ``COLLATE "C"`` (its default collation would put "a" before "Z").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Text,
    bindparam,
    case,
    cast,
    false,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from chroma.db.models import Datapoint

MAX_RANGES = 32
"""Up to this many runs of consecutive ids, a set of ids is ``BETWEEN`` ranges; beyond,
a joined list."""


@dataclass(frozen=True)
class FieldSource:
    """Where one field's values come from, per row: a text column (``kind`` None), or a
    metadata entry's JSON type and value."""

    value: ColumnElement[Any]
    kind: ColumnElement[Any] | None = None


@dataclass(frozen=True)
class FieldKeys:
    """One field's values as SQL expressions (NULL where the row has no such value)."""

    text: ColumnElement[Any]
    """Strings as they are, booleans as ``true``/``false``."""
    number: ColumnElement[Any]
    """Numbers, as floats."""
    order: ColumnElement[Any]
    """``text`` as it sorts by code point."""


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _plain_name(name: str) -> bool:
    """Whether a JSON path ``$."<name>"`` finds the key on SQLite: printable ASCII that
    JSON writes as it is (no quote, no backslash)."""
    return all(" " <= char <= "~" and char not in '"\\' for char in name)


def metadata_source(session: Session, name: str) -> FieldSource:
    """The metadata field ``name``: its JSON type and value (text of strings, booleans and
    numbers on PostgreSQL; SQL's own types on SQLite)."""
    if is_postgres(session):
        # -> and ->> (not jsonb subscripting): NULL for an array or a scalar, as for an
        # object without the key.
        document = type_coerce(Datapoint.metadata_, JSONB)
        return FieldSource(
            kind=func.jsonb_typeof(document.op("->")(name)),
            value=document.op("->>", return_type=Text)(name),
        )
    if _plain_name(name):
        path = f'$."{name}"'
        return FieldSource(
            kind=func.json_type(Datapoint.metadata_, path),
            value=func.json_extract(Datapoint.metadata_, path),
        )
    entries = func.json_each(Datapoint.metadata_).table_valued("key", "type", "value")
    chosen = entries.c.key == name
    return FieldSource(
        kind=select(entries.c.type).where(chosen).limit(1).scalar_subquery(),
        value=select(entries.c.value).where(chosen).limit(1).scalar_subquery(),
    )


def _scan(
    session: Session, where: Sequence[ColumnElement[bool]], sources: Sequence[FieldSource]
) -> tuple[Any, list[FieldKeys]]:
    """The rows counted with each source's type and value read once a row (a subquery the
    planner may not merge into the outer one: OFFSET 0; merged, SQLite would read the JSON
    again for every use of a value), and the keys over it."""
    columns: list[Any] = []
    for i, source in enumerate(sources):
        columns.append(source.value.label(f"v{i}"))
        if source.kind is not None:
            columns.append(source.kind.label(f"k{i}"))
    if not columns:
        columns.append(Datapoint.id.label("id"))
    rows = select(*columns).where(*where).offset(0).subquery("counted")
    postgres = is_postgres(session)
    keys = []
    for i, source in enumerate(sources):
        value = rows.c[f"v{i}"]
        if source.kind is None:
            text: ColumnElement[Any] = value
            number: ColumnElement[Any] = cast(None, Float)
        elif postgres:
            kind = rows.c[f"k{i}"]
            text = case((kind.in_(["string", "boolean"]), value))
            number = case((kind == "number", cast(value, Float)))
        else:
            kind = rows.c[f"k{i}"]
            text = case((kind == "text", value), (kind.in_(["true", "false"]), kind))
            number = case((kind.in_(["integer", "real"]), cast(value, Float)))
        keys.append(
            FieldKeys(text=text, number=number, order=text.collate("C") if postgres else text)
        )
    return rows, keys


def among_ids(session: Session, ids: npt.NDArray[np.int64]) -> ColumnElement[bool]:
    """``Datapoint.id`` is one of ``ids`` (sorted, unique): ranges of consecutive ids (what
    a space usually holds: whole ingest batches), else the list bound as one value."""
    if not len(ids):
        return false()
    breaks = np.flatnonzero(np.diff(ids) != 1)
    if len(breaks) < MAX_RANGES:
        starts = ids[np.concatenate(([0], breaks + 1))]
        ends = ids[np.concatenate((breaks, [len(ids) - 1]))]
        return or_(
            *[
                Datapoint.id.between(int(lo), int(hi))
                for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True)
            ]
        )
    if is_postgres(session):
        listed = bindparam("facet_ids", ids.tolist(), type_=ARRAY(BigInteger))
        return Datapoint.id.in_(select(func.unnest(listed)).scalar_subquery())
    listed_json = orjson.dumps(np.ascontiguousarray(ids), option=orjson.OPT_SERIALIZE_NUMPY)
    entries = func.json_each(listed_json.decode())
    values = entries.table_valued("value")
    return Datapoint.id.in_(select(values.c.value).scalar_subquery())


@dataclass(frozen=True)
class FieldCounts:
    """What one grouped query tells of a field."""

    total: int
    """Rows counted."""
    texts: int
    """Rows with a text (or boolean) value."""
    distinct_texts: int
    top: list[tuple[str, int]]
    """The most frequent texts with their counts, ties by code point."""
    numbers: int
    """Rows with a number."""
    min: float | None
    max: float | None


def field_counts(
    session: Session, where: Sequence[ColumnElement[bool]], source: FieldSource, limit: int
) -> FieldCounts:
    """One scan: the field's texts grouped, the ``limit`` most frequent of them, how many
    there are, and the rows without a text (the NULL group, ranked first) with their
    numbers. Windows count over every group before the limit."""
    _, (keys,) = _scan(session, where, [source])
    count = func.count().label("n")
    no_text = case((keys.text.is_(None), 0), else_=1)
    query = (
        select(
            keys.text,
            count,
            func.count(keys.number),
            func.min(keys.number),
            func.max(keys.number),
            func.count().over(),
            func.sum(func.count()).over(),
        )
        .group_by(keys.text)
        .order_by(no_text, count.desc(), keys.order)
        .limit(limit + 1)
    )
    found = list(session.execute(query).all())
    if not found:
        return FieldCounts(0, 0, 0, [], 0, None, None)
    total, groups = int(found[0][6]), int(found[0][5])
    numbers, low, high, without = 0, None, None, 0
    if found[0][0] is None:
        _, without, numbers, low, high, _, _ = found.pop(0)
        groups -= 1
    return FieldCounts(
        total=total,
        texts=total - int(without),
        distinct_texts=groups,
        top=[(str(text), int(n)) for text, n, *_ in found[:limit]],
        numbers=int(numbers),
        min=None if low is None else float(low),
        max=None if high is None else float(high),
    )


def count_rows(session: Session, where: Sequence[ColumnElement[bool]]) -> int:
    return int(session.execute(select(func.count()).where(*where)).scalar_one())


def all_groups(
    session: Session, where: Sequence[ColumnElement[bool]], source: FieldSource
) -> list[tuple[str | None, float | None, int]]:
    """Every (text, number) value of the field with its count (one of the two is NULL)."""
    _, (keys,) = _scan(session, where, [source])
    query = (
        select(keys.text, keys.number, func.count())
        .where(or_(keys.text.is_not(None), keys.number.is_not(None)))
        .group_by(keys.text, keys.number)
    )
    return [
        (text, None if number is None else float(number), int(n))
        for text, number, n in session.execute(query)
    ]


def dataset_counts(session: Session, where: Sequence[ColumnElement[bool]]) -> dict[int, int]:
    query = select(Datapoint.dataset_id, func.count()).where(*where).group_by(Datapoint.dataset_id)
    return {int(dataset_id): int(n) for dataset_id, n in session.execute(query)}
