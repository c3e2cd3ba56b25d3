"""Finding datapoints of a project: filter, page by id, count.

Filter semantics: values inside one list are alternatives (label is "cat" OR "dog"); the
different parts of a filter all apply (dataset AND label AND tag AND each metadata test).

Pages are keyset pages ordered by datapoint id (``id > after``): a page costs the same at
the millionth row as at the first, and rows inserted while a client walks the pages never
shift what it has not seen yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, cast, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.models import Datapoint, Dataset, Project, Tag, datapoint_tag
from chroma.services import catalog

MAX_PAGE_SIZE = 1000
MetadataValue = str | int | float | bool


@dataclass(frozen=True)
class MetadataEquals:
    """``metadata[field] == equals``, typed: "5" matches the string "5", never the number 5."""

    field: str
    equals: MetadataValue

    @classmethod
    def checked(cls, field: str, equals: object) -> MetadataEquals:
        """From untyped input (a JSON value): only strings, numbers and booleans compare."""
        if not field:
            raise InvalidInput("a metadata field name must not be empty", where="filter.metadata")
        if not isinstance(equals, str | int | float):  # bool is an int
            raise InvalidInput(
                f"metadata field {field!r}: equals must be a string, number or boolean",
                where="filter.metadata",
            )
        if isinstance(equals, int) and not -(2**63) <= equals < 2**63:
            raise InvalidInput(
                f"metadata field {field!r}: equals is an integer beyond 64 bits",
                where="filter.metadata",
            )
        _refuse_nul([field, equals] if isinstance(equals, str) else [field], "filter.metadata")
        return cls(field=field, equals=equals)


def _refuse_nul(values: Sequence[str], where: str) -> None:
    """No stored text holds a NUL character (ingest refuses it), and PostgreSQL refuses one
    even in a query."""
    if any("\x00" in value for value in values):
        raise InvalidInput("a NUL character can match nothing", where=where)


@dataclass(frozen=True)
class DatapointFilter:
    """Which datapoints of a project; ``None`` (or empty metadata) means no restriction."""

    datasets: Sequence[str] | None = None
    labels: Sequence[str] | None = None
    predictions: Sequence[str] | None = None
    tags: Sequence[str] | None = None
    metadata: Sequence[MetadataEquals] = field(default_factory=tuple)


@dataclass(frozen=True)
class DatapointRecord:
    id: int
    dataset_id: int
    key: str
    label: str | None
    prediction: str | None
    score: float | None
    metadata: dict[str, Any] | None
    uri: str | None
    text: str | None
    has_image: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> DatapointRecord:
        """From a row of ``_RECORD_COLUMNS``."""
        (id_, dataset_id, key, label, prediction, score, metadata, uri, text, has_image) = row[:10]
        return cls(
            id=id_,
            dataset_id=dataset_id,
            key=key,
            label=label,
            prediction=prediction,
            score=score,
            metadata=metadata,
            uri=uri,
            text=text,
            has_image=has_image,
            created_at=row[10],
            updated_at=row[11],
        )


@dataclass(frozen=True)
class DatapointPage:
    records: list[DatapointRecord]
    has_next_page: bool


_RECORD_COLUMNS = (
    Datapoint.id,
    Datapoint.dataset_id,
    Datapoint.key,
    Datapoint.label,
    Datapoint.prediction,
    Datapoint.prediction_score,
    Datapoint.metadata_,
    Datapoint.uri,
    Datapoint.text,
    Datapoint.has_image,
    Datapoint.created_at,
    Datapoint.updated_at,
)


def _dataset_ids(session: Session, project: Project, names: Sequence[str] | None) -> list[int]:
    query = select(Dataset.name, Dataset.id).where(Dataset.project_id == project.id)
    ids_by_name = dict(session.execute(query).all())
    if names is None:
        return list(ids_by_name.values())
    unknown = [name for name in names if name not in ids_by_name]
    if unknown:
        raise NotFound(
            f"no dataset named {unknown[0]!r} in project {project.name!r}",
            where="filter.datasets",
        )
    return [ids_by_name[name] for name in names]


def _metadata_test(session: Session, test: MetadataEquals) -> ColumnElement[bool]:
    """A type-aware equality that means the same on SQLite and PostgreSQL."""
    value = MetadataEquals.checked(test.field, test.equals).equals
    if session.get_bind().dialect.name == "postgresql":
        # jsonb equality compares types too ("5" != 5) and numbers by value (1 == 1.0).
        element = type_coerce(Datapoint.metadata_, JSONB)[test.field]
        return element == cast(literal(orjson.dumps(value).decode()), JSONB)
    if '"' in test.field:
        # SQLite's JSON paths have no escape for a double quote inside a key.
        raise InvalidInput(
            f"metadata field {test.field!r}: names with a double quote cannot be filtered",
            where="filter.metadata",
        )
    path = f'$."{test.field}"'
    kind = func.json_type(Datapoint.metadata_, path)
    extracted = func.json_extract(Datapoint.metadata_, path)
    if isinstance(value, bool):
        return kind == ("true" if value else "false")
    if isinstance(value, str):
        return and_(kind == "text", extracted == value)
    return and_(kind.in_(("integer", "real")), extracted == value)


def conditions(
    session: Session, project: Project, where: DatapointFilter
) -> list[ColumnElement[bool]]:
    """The WHERE clauses selecting the project's datapoints that pass ``where``."""
    clauses: list[ColumnElement[bool]] = [
        Datapoint.dataset_id.in_(_dataset_ids(session, project, where.datasets))
    ]
    for name in ("labels", "predictions", "tags"):
        _refuse_nul(getattr(where, name) or (), f"filter.{name}")
    if where.labels is not None:
        clauses.append(Datapoint.label.in_(list(where.labels)))
    if where.predictions is not None:
        clauses.append(Datapoint.prediction.in_(list(where.predictions)))
    if where.tags is not None:
        tagged = (
            select(datapoint_tag.c.datapoint_id)
            .join(Tag, Tag.id == datapoint_tag.c.tag_id)
            .where(Tag.project_id == project.id, Tag.name.in_(list(where.tags)))
        )
        clauses.append(Datapoint.id.in_(tagged))
    clauses.extend(_metadata_test(session, test) for test in where.metadata)
    return clauses


def matching_ids(session: Session, project: Project, where: DatapointFilter) -> Select[int]:
    """A subquery of the ids passing ``where``: bulk writes use it without loading ids."""
    return select(Datapoint.id).where(*conditions(session, project, where))


def page_datapoints(
    session: Session,
    project: str,
    where: DatapointFilter,
    *,
    first: int,
    after_id: int | None = None,
) -> DatapointPage:
    """Up to ``first`` datapoints with ids above ``after_id``, in id order."""
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(f"first must be between 0 and {MAX_PAGE_SIZE}", where="first")
    proj = catalog.get_project(session, project)
    query = select(*_RECORD_COLUMNS).where(*conditions(session, proj, where))
    if after_id is not None:
        query = query.where(Datapoint.id > after_id)
    # One extra row tells whether another page follows, without a second query.
    rows = session.execute(query.order_by(Datapoint.id).limit(first + 1)).all()
    records = [DatapointRecord.of(row) for row in rows[:first]]
    return DatapointPage(records=records, has_next_page=len(rows) > first)


def count_datapoints(session: Session, project: str, where: DatapointFilter) -> int:
    proj = catalog.get_project(session, project)
    query = select(func.count()).select_from(Datapoint).where(*conditions(session, proj, where))
    return int(session.execute(query).scalar_one())


def find_datapoint(session: Session, project: str, datapoint_id: int) -> DatapointRecord:
    proj = catalog.get_project(session, project)
    row = session.execute(
        select(*_RECORD_COLUMNS)
        .join(Dataset, Dataset.id == Datapoint.dataset_id)
        .where(Datapoint.id == datapoint_id, Dataset.project_id == proj.id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no datapoint {datapoint_id} in project {project!r}", where="id")
    return DatapointRecord.of(tuple(row))


def datapoint_id_by_key(session: Session, project: str, dataset: str, key: str) -> int:
    """The id of the datapoint logged with client key ``key`` into ``dataset``."""
    _refuse_nul([key], "key")
    found = catalog.get_dataset(session, catalog.get_project(session, project), dataset)
    datapoint_id = session.scalar(
        select(Datapoint.id).where(Datapoint.dataset_id == found.id, Datapoint.key == key)
    )
    if datapoint_id is None:
        raise NotFound(f"no datapoint with key {key!r} in dataset {dataset!r}", where="key")
    return int(datapoint_id)


def records_by_id(session: Session, ids: Sequence[int]) -> dict[int, DatapointRecord]:
    """The datapoints with these ids (those that still exist), by id."""
    rows = session.execute(select(*_RECORD_COLUMNS).where(Datapoint.id.in_(list(ids)))).all()
    return {row[0]: DatapointRecord.of(tuple(row)) for row in rows}


def records_with_datasets(
    session: Session, ids: Sequence[int]
) -> dict[int, tuple[DatapointRecord, catalog.DatasetRecord]]:
    """The datapoints with these ids (those that still exist) and their datasets, by id, in
    one statement (a neighbour query answers with both)."""
    query = (
        select(*_RECORD_COLUMNS, Dataset)
        .join(Dataset, Dataset.id == Datapoint.dataset_id)
        .where(Datapoint.id.in_(list(ids)))
    )
    return {
        row[0]: (DatapointRecord.of(tuple(row)), catalog.DatasetRecord.of(row[-1]))
        for row in session.execute(query).all()
    }


__all__ = [
    "MAX_PAGE_SIZE",
    "DatapointFilter",
    "DatapointPage",
    "DatapointRecord",
    "MetadataEquals",
    "conditions",
    "count_datapoints",
    "find_datapoint",
    "matching_ids",
    "page_datapoints",
    "records_by_id",
    "records_with_datasets",
]
