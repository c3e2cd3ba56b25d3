"""Small batched reads the GraphQL layer needs and the services do not offer (yet).

Records by id for the dataloaders (a job's project and space, a projection's job) and a
datapoint's id from its client key. Each takes many ids at once: one query per batch.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.core.errors import NotFound
from chroma.db.models import Datapoint, Job, Project, Space
from chroma.services import catalog
from chroma.services.catalog import ProjectRecord, SpaceRecord
from chroma.services.jobs import JobRecord


def projects_by_id(session: Session, project_ids: Sequence[int]) -> dict[int, ProjectRecord]:
    query = select(Project).where(Project.id.in_(list(project_ids)))
    return {p.id: ProjectRecord.of(p) for p in session.scalars(query)}


def spaces_by_id(session: Session, space_ids: Sequence[int]) -> dict[int, SpaceRecord]:
    query = select(Space).where(Space.id.in_(list(space_ids)))
    return {s.id: SpaceRecord.of(s) for s in session.scalars(query)}


def jobs_by_id(session: Session, job_ids: Sequence[int]) -> dict[int, JobRecord]:
    query = select(Job).where(Job.id.in_(list(job_ids)))
    return {j.id: JobRecord.of(j) for j in session.scalars(query)}


def datapoint_id_by_key(session: Session, project: str, dataset: str, key: str) -> int:
    """The id of the datapoint logged with client key ``key`` into ``dataset``."""
    found = catalog.get_dataset(session, catalog.get_project(session, project), dataset)
    datapoint_id = session.scalar(
        select(Datapoint.id).where(Datapoint.dataset_id == found.id, Datapoint.key == key)
    )
    if datapoint_id is None:
        raise NotFound(f"no datapoint with key {key!r} in dataset {dataset!r}", where="key")
    return int(datapoint_id)
