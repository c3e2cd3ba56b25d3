"""Projects: find, list, create (by ingest too), rename, delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, NotFound
from chroma.db import caches, chunk_cache, indexes
from chroma.db.models import Dataset, Project, ProjectionSet, Space
from chroma.db.store import Store
from chroma.db.vectors import chunk_files, remove_segments_after_commit
from chroma.services.catalog._common import (
    check_lookup,
    check_name,
    insert_ignoring_conflict,
    name_is_free,
)


@dataclass(frozen=True)
class ProjectRecord:
    id: int
    name: str
    created_at: datetime

    @classmethod
    def of(cls, project: Project) -> ProjectRecord:
        return cls(id=project.id, name=project.name, created_at=project.created_at)


def _find_project(session: Session, name: str) -> Project | None:
    check_lookup("project", name)
    return session.scalar(select(Project).where(Project.name == name))


def get_project(session: Session, name: str) -> Project:
    project = _find_project(session, name)
    if project is None:
        raise NotFound(f"no project named {name!r}", where="project")
    return project


def ensure_project(session: Session, name: str) -> Project:
    """The project, created if new. Reads first: every batch after the first costs one
    query and no write."""
    project = _find_project(session, name)
    if project is None:
        insert_ignoring_conflict(session, Project, {"name": check_name("project", name)})
        project = get_project(session, name)
    return project


def find_project(session: Session, name: str) -> ProjectRecord:
    return ProjectRecord.of(get_project(session, name))


def list_projects(session: Session) -> list[ProjectRecord]:
    return [ProjectRecord.of(p) for p in session.scalars(select(Project).order_by(Project.name))]


def projects_by_id(session: Session, project_ids: Sequence[int]) -> dict[int, ProjectRecord]:
    query = select(Project).where(Project.id.in_(list(project_ids)))
    return {p.id: ProjectRecord.of(p) for p in session.scalars(query)}


def create_project(store: Store, name: str) -> ProjectRecord:
    check_name("project", name)
    message = f"a project named {name!r} already exists"
    with store.write() as session, name_is_free(message, "name"):
        if _find_project(session, name) is not None:
            raise Conflict(message, where="name")
        project = Project(name=name)
        session.add(project)
        session.flush()
        return ProjectRecord.of(project)


def rename_project(store: Store, name: str, new_name: str) -> ProjectRecord:
    check_name("project", new_name)
    message = f"cannot rename project {name!r}: a project named {new_name!r} already exists"
    with store.write() as session, name_is_free(message, "newName"):
        project = get_project(session, name)
        if new_name != name and _find_project(session, new_name) is not None:
            raise Conflict(message, where="newName")
        project.name = new_name
        session.flush()
        return ProjectRecord.of(project)


def delete_project(store: Store, name: str) -> ProjectRecord:
    """Delete a project with everything in it (rows cascade; its files: vector segments,
    index files, cached points, thumbnails and fetched images, are removed once the delete
    has committed, so a rolled-back delete loses none)."""
    with store.write() as session:
        project = get_project(session, name)
        record = ProjectRecord.of(project)
        files: list[str] = []
        space_ids = list(session.scalars(select(Space.id).where(Space.project_id == project.id)))
        for space_id in space_ids:
            files += chunk_files(session, space_id=space_id)
        maps = session.scalars(
            select(ProjectionSet.id)
            .join(Space, Space.id == ProjectionSet.space_id)
            .where(Space.project_id == project.id)
        )
        caches.remove_maps_after_commit(store, session, list(maps))
        chunk_cache.remove_spaces_after_commit(store, session, space_ids)
        datasets = session.scalars(select(Dataset.id).where(Dataset.project_id == project.id))
        caches.remove_datasets_after_commit(store, session, list(datasets))
        indexes.remove_after_commit(store, session, *indexes.files_of_spaces(session, space_ids))
        session.execute(delete(Project).where(Project.id == project.id))
        remove_segments_after_commit(store, session, files)
        return record
