"""Browsing the catalog: projects, their datasets and spaces, and how much each holds.

Read functions take an open session and many ids at once, so a caller that shows a list
(the GraphQL dataloaders) asks one query per kind of thing, never one per row. They return
plain frozen records, not ORM objects, so nothing lazy-loads after the session closes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chroma.db.models import Datapoint, Dataset, EmbeddingChunk, Project, Space
from chroma.services import catalog


def utc(moment: datetime) -> datetime:
    """The moment in UTC, whatever the database hands back.

    SQLite returns naive timestamps (it stores no zone; they were written in UTC), and
    PostgreSQL returns them in the session's time zone.
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class ProjectRecord:
    id: int
    name: str
    created_at: datetime

    @classmethod
    def of(cls, project: Project) -> ProjectRecord:
        return cls(id=project.id, name=project.name, created_at=utc(project.created_at))


@dataclass(frozen=True)
class DatasetRecord:
    id: int
    project_id: int
    name: str
    created_at: datetime

    @classmethod
    def of(cls, dataset: Dataset) -> DatasetRecord:
        return cls(
            id=dataset.id,
            project_id=dataset.project_id,
            name=dataset.name,
            created_at=utc(dataset.created_at),
        )


@dataclass(frozen=True)
class SpaceRecord:
    id: int
    project_id: int
    name: str
    dimension: int
    model: str | None
    layer: str | None
    created_at: datetime

    @classmethod
    def of(cls, space: Space) -> SpaceRecord:
        return cls(
            id=space.id,
            project_id=space.project_id,
            name=space.name,
            dimension=space.dimension,
            model=space.model,
            layer=space.layer,
            created_at=utc(space.created_at),
        )


def list_projects(session: Session) -> list[ProjectRecord]:
    return [ProjectRecord.of(p) for p in session.scalars(select(Project).order_by(Project.name))]


def find_project(session: Session, name: str) -> ProjectRecord:
    return ProjectRecord.of(catalog.get_project(session, name))


def datasets_of_projects(
    session: Session, project_ids: Sequence[int]
) -> dict[int, list[DatasetRecord]]:
    found: defaultdict[int, list[DatasetRecord]] = defaultdict(list)
    query = (
        select(Dataset)
        .where(Dataset.project_id.in_(list(project_ids)))
        .order_by(Dataset.project_id, Dataset.name)
    )
    for dataset in session.scalars(query):
        found[dataset.project_id].append(DatasetRecord.of(dataset))
    return dict(found)


def spaces_of_projects(
    session: Session, project_ids: Sequence[int]
) -> dict[int, list[SpaceRecord]]:
    found: defaultdict[int, list[SpaceRecord]] = defaultdict(list)
    query = (
        select(Space)
        .where(Space.project_id.in_(list(project_ids)))
        .order_by(Space.project_id, Space.name)
    )
    for space in session.scalars(query):
        found[space.project_id].append(SpaceRecord.of(space))
    return dict(found)


def datasets_by_id(session: Session, dataset_ids: Sequence[int]) -> dict[int, DatasetRecord]:
    query = select(Dataset).where(Dataset.id.in_(list(dataset_ids)))
    return {d.id: DatasetRecord.of(d) for d in session.scalars(query)}


def datapoint_counts(session: Session, dataset_ids: Sequence[int]) -> dict[int, int]:
    """Datapoints per dataset.

    Counted on the datapoint table (an index-only scan of ``(dataset_id, key)``): chunk
    ``live_count`` sums count vectors, and a datapoint embedded in two spaces, or in none
    yet, would be miscounted by them.
    """
    query = (
        select(Datapoint.dataset_id, func.count())
        .where(Datapoint.dataset_id.in_(list(dataset_ids)))
        .group_by(Datapoint.dataset_id)
    )
    return dict(session.execute(query).all())


def vector_counts(session: Session, space_ids: Sequence[int]) -> dict[int, int]:
    """Live vectors per space: a sum over the space's chunks, not a scan of its rows."""
    query = (
        select(EmbeddingChunk.space_id, func.sum(EmbeddingChunk.live_count))
        .where(EmbeddingChunk.space_id.in_(list(space_ids)))
        .group_by(EmbeddingChunk.space_id)
    )
    return {space_id: int(total) for space_id, total in session.execute(query)}


__all__ = [
    "DatasetRecord",
    "ProjectRecord",
    "SpaceRecord",
    "datapoint_counts",
    "datasets_by_id",
    "datasets_of_projects",
    "find_project",
    "list_projects",
    "spaces_of_projects",
    "utc",
    "vector_counts",
]
