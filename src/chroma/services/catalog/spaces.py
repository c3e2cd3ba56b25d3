"""Embedding spaces (a model + layer with a fixed dimension): find, list, count, create
(by ingest only: the dimension comes from the first vectors), rename, delete."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, InvalidInput, NotFound
from chroma.db import caches, chunk_cache, indexes
from chroma.db.models import EmbeddingChunk, Project, ProjectionSet, Space
from chroma.db.store import Store
from chroma.db.vectors import chunk_files, remove_segments_after_commit
from chroma.services.catalog._common import (
    check_lookup,
    check_name,
    insert_ignoring_conflict,
    name_is_free,
)
from chroma.services.catalog.projects import get_project


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
            created_at=space.created_at,
        )


def _find_space(session: Session, project: Project, name: str) -> Space | None:
    check_lookup("space", name)
    return session.scalar(select(Space).where(Space.project_id == project.id, Space.name == name))


def get_space(session: Session, project: Project, name: str) -> Space:
    space = _find_space(session, project, name)
    if space is None:
        raise NotFound(f"no space named {name!r} in project {project.name!r}", where="space")
    return space


def ensure_space(
    session: Session,
    project: Project,
    name: str,
    dimension: int,
    model: str | None = None,
    layer: str | None = None,
) -> Space:
    """The space, created with ``dimension`` if new; a fixed dimension never changes."""
    if dimension < 1:
        raise InvalidInput("a space needs vectors of at least one dimension", where="vector")
    space = _find_space(session, project, name)
    if space is None:
        values = {
            "project_id": project.id,
            "name": check_name("space", name),
            "dimension": dimension,
            "model": model,
            "layer": layer,
        }
        insert_ignoring_conflict(session, Space, values)
        space = get_space(session, project, name)
    check_dimension(space, dimension)  # a concurrent first batch may have fixed another
    return space


def check_dimension(space: Space, dimension: int) -> None:
    if space.dimension != dimension:
        raise InvalidInput(
            f"space {space.name!r} holds vectors of dimension {space.dimension}, "
            f"this batch has dimension {dimension}",
            where="vector",
        )


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


def spaces_by_id(session: Session, space_ids: Sequence[int]) -> dict[int, SpaceRecord]:
    query = select(Space).where(Space.id.in_(list(space_ids)))
    return {s.id: SpaceRecord.of(s) for s in session.scalars(query)}


def vector_counts(session: Session, space_ids: Sequence[int]) -> dict[int, int]:
    """Live vectors per space: a sum over the space's chunks, not a scan of its rows."""
    query = (
        select(EmbeddingChunk.space_id, func.sum(EmbeddingChunk.live_count))
        .where(EmbeddingChunk.space_id.in_(list(space_ids)))
        .group_by(EmbeddingChunk.space_id)
    )
    return {space_id: int(total) for space_id, total in session.execute(query)}


def rename_space(store: Store, project: str, name: str, new_name: str) -> SpaceRecord:
    check_name("space", new_name)
    message = (
        f"cannot rename space {name!r}: project {project!r} already has a space named {new_name!r}"
    )
    with store.write() as session, name_is_free(message, "newName"):
        proj = get_project(session, project)
        space = get_space(session, proj, name)
        if new_name != name and _find_space(session, proj, new_name) is not None:
            raise Conflict(message, where="newName")
        space.name = new_name
        session.flush()
        return SpaceRecord.of(space)


def delete_space(store: Store, project: str, name: str) -> SpaceRecord:
    """Delete a space and its vectors (datapoints stay; its files: vector segments, index
    files, cached points, go after the commit)."""
    with store.write() as session:
        space = get_space(session, get_project(session, project), name)
        record = SpaceRecord.of(space)
        files = chunk_files(session, space_id=space.id)
        maps = session.scalars(select(ProjectionSet.id).where(ProjectionSet.space_id == space.id))
        caches.remove_maps_after_commit(store, session, list(maps))
        chunk_cache.remove_spaces_after_commit(store, session, [space.id])
        indexes.remove_after_commit(store, session, *indexes.files_of_spaces(session, [space.id]))
        session.execute(delete(Space).where(Space.id == space.id))
        remove_segments_after_commit(store, session, files)
        return record
