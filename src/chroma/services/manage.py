"""Creating, renaming and deleting projects, datasets and spaces (spaces come from ingest).

Each use case is one write transaction. Names are checked before writing, so a taken name
is a :class:`Conflict` naming it; the unique constraints stay as the last word when two
writers race, and their ``IntegrityError`` is reported as the same Conflict.

Deletes lean on ``ON DELETE CASCADE`` for rows. Vector segment files are outside the
database: their names are read before the delete and the files removed only once it has
committed, so a rolled-back delete loses no vectors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict
from chroma.db.models import Dataset, Project, Space
from chroma.db.store import Store
from chroma.db.vectors import chunk_files, remove_segments_after_commit
from chroma.services import catalog
from chroma.services.listing import DatasetRecord, ProjectRecord, SpaceRecord


@contextmanager
def _name_is_free(message: str, where: str) -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(message, where=where) from exc


def _project_taken(session: Session, name: str) -> bool:
    return session.scalar(select(Project.id).where(Project.name == name)) is not None


def _dataset_taken(session: Session, project: Project, name: str) -> bool:
    query = select(Dataset.id).where(Dataset.project_id == project.id, Dataset.name == name)
    return session.scalar(query) is not None


def _space_taken(session: Session, project: Project, name: str) -> bool:
    query = select(Space.id).where(Space.project_id == project.id, Space.name == name)
    return session.scalar(query) is not None


def create_project(store: Store, name: str) -> ProjectRecord:
    catalog.check_name("project", name)
    message = f"a project named {name!r} already exists"
    with store.write() as session, _name_is_free(message, "name"):
        if _project_taken(session, name):
            raise Conflict(message, where="name")
        project = Project(name=name)
        session.add(project)
        session.flush()
        return ProjectRecord.of(project)


def rename_project(store: Store, name: str, new_name: str) -> ProjectRecord:
    catalog.check_name("project", new_name)
    message = f"cannot rename project {name!r}: a project named {new_name!r} already exists"
    with store.write() as session, _name_is_free(message, "newName"):
        project = catalog.get_project(session, name)
        if new_name != name and _project_taken(session, new_name):
            raise Conflict(message, where="newName")
        project.name = new_name
        session.flush()
        return ProjectRecord.of(project)


def delete_project(store: Store, name: str) -> ProjectRecord:
    with store.write() as session:
        project = catalog.get_project(session, name)
        record = ProjectRecord.of(project)
        files: list[str] = []
        for space_id in session.scalars(select(Space.id).where(Space.project_id == project.id)):
            files += chunk_files(session, space_id=space_id)
        session.execute(delete(Project).where(Project.id == project.id))
        remove_segments_after_commit(store, session, files)
        return record


def create_dataset(store: Store, project: str, name: str) -> DatasetRecord:
    catalog.check_name("dataset", name)
    message = f"project {project!r} already has a dataset named {name!r}"
    with store.write() as session, _name_is_free(message, "name"):
        proj = catalog.get_project(session, project)
        if _dataset_taken(session, proj, name):
            raise Conflict(message, where="name")
        dataset = Dataset(project_id=proj.id, name=name)
        session.add(dataset)
        session.flush()
        return DatasetRecord.of(dataset)


def rename_dataset(store: Store, project: str, name: str, new_name: str) -> DatasetRecord:
    catalog.check_name("dataset", new_name)
    message = (
        f"cannot rename dataset {name!r}: project {project!r} "
        f"already has a dataset named {new_name!r}"
    )
    with store.write() as session, _name_is_free(message, "newName"):
        proj = catalog.get_project(session, project)
        dataset = catalog.get_dataset(session, proj, name)
        if new_name != name and _dataset_taken(session, proj, new_name):
            raise Conflict(message, where="newName")
        dataset.name = new_name
        session.flush()
        return DatasetRecord.of(dataset)


def delete_dataset(store: Store, project: str, name: str) -> DatasetRecord:
    with store.write() as session:
        dataset = catalog.get_dataset(session, catalog.get_project(session, project), name)
        record = DatasetRecord.of(dataset)
        files = chunk_files(session, dataset_id=dataset.id)
        session.execute(delete(Dataset).where(Dataset.id == dataset.id))
        remove_segments_after_commit(store, session, files)
        return record


def rename_space(store: Store, project: str, name: str, new_name: str) -> SpaceRecord:
    catalog.check_name("space", new_name)
    message = (
        f"cannot rename space {name!r}: project {project!r} already has a space named {new_name!r}"
    )
    with store.write() as session, _name_is_free(message, "newName"):
        proj = catalog.get_project(session, project)
        space = catalog.get_space(session, proj, name)
        if new_name != name and _space_taken(session, proj, new_name):
            raise Conflict(message, where="newName")
        space.name = new_name
        session.flush()
        return SpaceRecord.of(space)


def delete_space(store: Store, project: str, name: str) -> SpaceRecord:
    with store.write() as session:
        space = catalog.get_space(session, catalog.get_project(session, project), name)
        record = SpaceRecord.of(space)
        files = chunk_files(session, space_id=space.id)
        session.execute(delete(Space).where(Space.id == space.id))
        remove_segments_after_commit(store, session, files)
        return record


__all__ = [
    "create_dataset",
    "create_project",
    "delete_dataset",
    "delete_project",
    "delete_space",
    "rename_dataset",
    "rename_project",
    "rename_space",
]
