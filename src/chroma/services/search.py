"""Text search over a project's datapoints: which of them hold a piece of text.

A search is a case-insensitive *substring* match, never a pattern: the text is taken
literally (``%``, ``_`` and ``\\`` are escaped for LIKE), so no input can make the
database backtrack. It looks at the key, label, prediction, text and the metadata (its
JSON text: keys and values) of every datapoint of the project, or of one map's datasets,
or at one of those fields only.

One SQL statement per search, which counts every hit and hands back the ids of the first
``limit`` of them (in id order) as one string, parsed by numpy: no Python object per row.
Case: PostgreSQL's ILIKE folds every letter; SQLite's LIKE folds ASCII letters only
("É" does not match "é" there).

There is no index behind it: a search scans the project's rows (about a second per
million datapoints on SQLite, see ``benchmarks/search.py``).

A search *by meaning* (:func:`search_by_meaning`) embeds the text with the model of the
map's space (``services/text_models.py``: a sentence-transformers model the server has
offline) and answers the space's nearest datapoints from its neighbour index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from sqlalchemy import SQLColumnExpression, Text, case, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound, PayloadTooLarge
from chroma.core.unicode import is_storable
from chroma.db.models import Datapoint, Dataset, ProjectionSet, Space
from chroma.db.store import Store
from chroma.services import catalog, neighbours, text_models
from chroma.services.datapoints import DatapointFilter

SearchField = Literal["key", "label", "prediction", "text", "metadata"]
FIELDS: tuple[SearchField, ...] = get_args(SearchField)
MAX_TEXT_CHARS = 1000
"""Characters of one search text; a longer one is refused (HTTP 413)."""
MAX_LIMIT = 100_000
"""Ids one search answers at most; the count covers every hit."""
_ESCAPE = "\\"


@dataclass(frozen=True)
class SearchResult:
    count: int
    """Every hit."""
    ids: npt.NDArray[np.int64]
    """The first ``limit`` hits' datapoint ids, ascending."""

    @property
    def truncated(self) -> bool:
        return len(self.ids) < self.count


def checked_text(text: str) -> str:
    """The search text, or why it cannot be searched for."""
    if len(text) > MAX_TEXT_CHARS:
        raise PayloadTooLarge(
            f"a search text of {len(text):,} characters, over the limit of {MAX_TEXT_CHARS:,}",
            where="text",
        )
    if not text.strip():
        raise InvalidInput("the search text is empty", where="text")
    if "\x00" in text:
        raise InvalidInput("a NUL character can match nothing", where="text")
    if not is_storable(text):  # a lone surrogate (JSON's "\ud800"): no database takes it
        raise InvalidInput("the search text is not valid Unicode", where="text")
    return text


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards (and the escape character) taken literally."""
    escaped = (
        text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    )
    return f"%{escaped}%"


def _columns(field: SearchField | None) -> list[SQLColumnExpression[str | None]]:
    by_name: dict[SearchField, SQLColumnExpression[str | None]] = {
        "key": Datapoint.key,
        "label": Datapoint.label,
        "prediction": Datapoint.prediction,
        "text": Datapoint.text,
        # Its JSON text: SQLite stores it so; PostgreSQL prints the jsonb.
        "metadata": cast(Datapoint.metadata_, Text),
    }
    return list(by_name.values()) if field is None else [by_name[field]]


def _dataset_ids(session: Session, project_id: int, projection_id: int | None) -> list[int]:
    ids = list(session.scalars(select(Dataset.id).where(Dataset.project_id == project_id)))
    if projection_id is None:
        return ids
    row = session.execute(
        select(ProjectionSet.dataset_ids)
        .join(Space, Space.id == ProjectionSet.space_id)
        .where(ProjectionSet.id == projection_id, Space.project_id == project_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no map {projection_id} in this project", where="projection")
    covered: Sequence[int] | None = row[0]
    return ids if covered is None else [i for i in ids if i in set(covered)]


def search(
    session: Session,
    project: str,
    text: str,
    *,
    field: str | None = None,
    projection_id: int | None = None,
    limit: int = MAX_LIMIT,
) -> SearchResult:
    """The project's datapoints (of one map's datasets, with ``projection_id``) whose
    ``field`` (default: any of :data:`FIELDS`) contains ``text``, ignoring case."""
    checked_text(text)
    if field is not None and field not in FIELDS:
        raise InvalidInput(
            f"no field {field!r} to search; use one of {', '.join(FIELDS)}", where="field"
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"first must be between 1 and {MAX_LIMIT:,}", where="first")
    proj = catalog.get_project(session, project)
    datasets = _dataset_ids(session, proj.id, projection_id)
    if not datasets:
        return SearchResult(count=0, ids=np.empty(0, dtype=np.int64))

    pattern = like_pattern(text)
    postgres = session.get_bind().dialect.name == "postgresql"
    matches = [
        column.ilike(pattern, escape=_ESCAPE) if postgres else column.like(pattern, escape=_ESCAPE)
        for column in _columns(field)
    ]
    hits = (
        select(
            Datapoint.id.label("id"),
            func.row_number().over(order_by=Datapoint.id).label("rank"),
        )
        .where(Datapoint.dataset_id.in_(datasets), or_(*matches))
        .subquery()
    )
    first = case((hits.c.rank <= limit, hits.c.id))
    joined = (
        func.string_agg(cast(first, Text), literal_column("','"))
        if postgres
        else func.group_concat(first, ",")
    )
    count, listed = session.execute(select(func.count(), joined).select_from(hits)).one()
    ids = (
        np.sort(np.fromstring(listed, dtype=np.int64, sep=","))
        if listed
        else np.empty(0, dtype=np.int64)
    )
    return SearchResult(count=int(count), ids=ids)


@dataclass(frozen=True)
class MeaningResult:
    model: str
    """The model the text was embedded with (the space's)."""
    ids: npt.NDArray[np.int64]
    """The nearest datapoints' ids, nearest first."""
    distances: npt.NDArray[np.float32]
    """Their distances to the text, in the space's metric."""


MEANING_DEFAULT_K = 100
MEANING_MAX_K = neighbours.MAX_K


def _map_space(
    session: Session, project_id: int, projection_id: int
) -> tuple[Space, list[str] | None]:
    """The space of a map and the names of the datasets it covers (None: every one)."""
    row = session.execute(
        select(Space, ProjectionSet.dataset_ids)
        .join(ProjectionSet, ProjectionSet.space_id == Space.id)
        .where(ProjectionSet.id == projection_id, Space.project_id == project_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no map {projection_id} in this project", where="projection")
    space, covered = row
    if covered is None:
        return space, None
    names = session.execute(
        select(Dataset.id, Dataset.name).where(Dataset.project_id == project_id)
    ).all()
    return space, [name for id_, name in names if id_ in set(covered)]


def meaning_model(
    session: Session, project: str, projection_id: int
) -> tuple[str | None, str | None]:
    """The model a map's space records, and why the server cannot search by meaning with
    it (None: it can). Loads no model."""
    proj = catalog.get_project(session, project)
    space, _ = _map_space(session, proj.id, projection_id)
    return space.model, text_models.unavailable_reason(space.model)


def search_by_meaning(
    store: Store,
    project: str,
    text: str,
    *,
    projection_id: int,
    limit: int = MEANING_DEFAULT_K,
) -> MeaningResult:
    """The ``limit`` datapoints of a map nearest to ``text`` embedded by its space's model,
    nearest first. :class:`InvalidInput` (where: projection) when the server cannot load
    that model; the model loads on the first search, then stays loaded."""
    checked_text(text)
    if not 1 <= limit <= MEANING_MAX_K:
        raise InvalidInput(f"first must be between 1 and {MEANING_MAX_K:,}", where="first")
    with store.read() as session:
        proj = catalog.get_project(session, project)
        space, datasets = _map_space(session, proj.id, projection_id)
        space_name, dimension, model = space.name, space.dimension, space.model
    encode = text_models.encoder(model, where="projection")
    vector = encode(text)
    if vector.shape[1] != dimension:
        raise InvalidInput(
            f"the model {model!r} makes vectors of {vector.shape[1]} numbers, but space "
            f"{space_name!r} holds {dimension}: its vectors came from another model",
            where="projection",
        )
    if datasets == []:
        return MeaningResult(
            model=str(model), ids=np.empty(0, np.int64), distances=np.empty(0, np.float32)
        )
    found = neighbours.nearest(
        store,
        project=project,
        space=space_name,
        k=limit,
        vector=vector[0],
        where=DatapointFilter(datasets=datasets) if datasets is not None else None,
    )
    return MeaningResult(
        model=str(model),
        ids=np.array([n.record.id for n in found], dtype=np.int64),
        distances=np.array([n.distance for n in found], dtype=np.float32),
    )


__all__ = [
    "FIELDS",
    "MAX_LIMIT",
    "MAX_TEXT_CHARS",
    "MEANING_DEFAULT_K",
    "MEANING_MAX_K",
    "MeaningResult",
    "SearchField",
    "SearchResult",
    "checked_text",
    "like_pattern",
    "meaning_model",
    "search",
    "search_by_meaning",
]
