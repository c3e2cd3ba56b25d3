"""Datasets of a project (train / test / production ...): find, list, count, create,
rename, delete."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, InvalidInput, NotFound
from chroma.db import caches, chunk_cache
from chroma.db.models import Datapoint, Dataset, Project
from chroma.db.store import Store
from chroma.db.vectors import chunk_files, remove_segments_after_commit
from chroma.services.catalog._common import (
    check_lookup,
    check_name,
    insert_ignoring_conflict,
    name_is_free,
)
from chroma.services.catalog.projects import get_project
from chroma.services.catalog.revisions import bump_project


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
            created_at=dataset.created_at,
        )


def _find_dataset(session: Session, project: Project, name: str) -> Dataset | None:
    check_lookup("dataset", name)
    return session.scalar(
        select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name)
    )


def get_dataset(session: Session, project: Project, name: str) -> Dataset:
    dataset = _find_dataset(session, project, name)
    if dataset is None:
        raise NotFound(f"no dataset named {name!r} in project {project.name!r}", where="dataset")
    return dataset


def ensure_dataset(session: Session, project: Project, name: str) -> Dataset:
    """The dataset, created if new (one read and no write once it exists)."""
    dataset = _find_dataset(session, project, name)
    if dataset is None:
        values = {"project_id": project.id, "name": check_name("dataset", name)}
        insert_ignoring_conflict(session, Dataset, values)
        dataset = get_dataset(session, project, name)
    return dataset


def dataset_names(session: Session, project_id: int) -> dict[int, str]:
    """The project's dataset names by id."""
    query = select(Dataset.id, Dataset.name).where(Dataset.project_id == project_id)
    return {int(i): str(n) for i, n in session.execute(query).all()}


def resolve_datasets(
    names_by_id: dict[int, str], names: str | Sequence[str] | None, where: str
) -> list[int] | None:
    """Dataset names (one or a list) as sorted ids; None stays None (every dataset)."""
    if names is None:
        return None
    wanted = [names] if isinstance(names, str) else list(names)
    if not wanted:
        raise InvalidInput(f"name at least one dataset, or leave {where} out", where=where)
    ids_by_name = {name: i for i, name in names_by_id.items()}
    for name in wanted:
        if name not in ids_by_name:
            raise NotFound(f"no dataset named {name!r}", where=where)
    return sorted({ids_by_name[name] for name in wanted})


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


def create_dataset(store: Store, project: str, name: str) -> DatasetRecord:
    check_name("dataset", name)
    message = f"project {project!r} already has a dataset named {name!r}"
    with store.write() as session, name_is_free(message, "name"):
        proj = get_project(session, project)
        if _find_dataset(session, proj, name) is not None:
            raise Conflict(message, where="name")
        dataset = Dataset(project_id=proj.id, name=name)
        session.add(dataset)
        session.flush()
        bump_project(session, proj.id)
        return DatasetRecord.of(dataset)


def rename_dataset(store: Store, project: str, name: str, new_name: str) -> DatasetRecord:
    check_name("dataset", new_name)
    message = (
        f"cannot rename dataset {name!r}: project {project!r} "
        f"already has a dataset named {new_name!r}"
    )
    with store.write() as session, name_is_free(message, "newName"):
        proj = get_project(session, project)
        dataset = get_dataset(session, proj, name)
        if new_name != name and _find_dataset(session, proj, new_name) is not None:
            raise Conflict(message, where="newName")
        dataset.name = new_name
        session.flush()
        bump_project(session, proj.id)
        return DatasetRecord.of(dataset)


def delete_dataset(store: Store, project: str, name: str) -> DatasetRecord:
    """Delete a dataset with its datapoints and their vectors (their files: vector
    segments, thumbnails and fetched images, after the commit)."""
    with store.write() as session:
        dataset = get_dataset(session, get_project(session, project), name)
        record = DatasetRecord.of(dataset)
        files = chunk_files(session, dataset_id=dataset.id)
        caches.remove_datasets_after_commit(store, session, [dataset.id])
        chunk_cache.remove_datasets_after_commit(store, session, [dataset.id])
        session.execute(delete(Dataset).where(Dataset.id == dataset.id))
        bump_project(session, dataset.project_id)
        remove_segments_after_commit(store, session, files)
        return record
