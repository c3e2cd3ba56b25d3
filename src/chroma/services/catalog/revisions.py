"""Revisions: counters bumped inside the transaction of every write, that caches of
derived data (a map's encoded points) are keyed by.

- ``dataset.revision``: the dataset's datapoints changed (ingest, edits). On PostgreSQL the
  bump also takes the dataset's row lock, which ingest needs anyway: batches into one
  dataset take turns between their key lookup and their commit.
- ``project.revision``: the project's tags changed, or its datasets (created, renamed,
  deleted).

A reader takes the :func:`stamp` *before* reading the data it derives: under PostgreSQL's
read committed a write may land between the two reads, and data newer than its stamp only
costs a rebuild later, where a stamp newer than its data would serve stale data.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chroma.db.models import Dataset, Project


def bump_dataset(session: Session, dataset_id: int) -> None:
    session.execute(
        update(Dataset).where(Dataset.id == dataset_id).values(revision=Dataset.revision + 1)
    )


def bump_project(session: Session, project_id: int) -> None:
    session.execute(
        update(Project).where(Project.id == project_id).values(revision=Project.revision + 1)
    )


def stamp(session: Session, project_id: int, dataset_ids: Sequence[int] | None = None) -> str:
    """The project's and its datasets' revisions (of ``dataset_ids``: all when None), as
    one string that changes whenever any of them does."""
    project = session.scalar(select(Project.revision).where(Project.id == project_id))
    query = select(Dataset.id, Dataset.revision).where(Dataset.project_id == project_id)
    if dataset_ids is not None:
        query = query.where(Dataset.id.in_(list(dataset_ids)))
    datasets = ",".join(f"{i}:{r}" for i, r in session.execute(query.order_by(Dataset.id)))
    return f"{project}/{datasets}"
