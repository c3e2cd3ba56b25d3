"""Keeping a space's index and maps current as data arrives (the ``space.refresh`` job)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput
from chroma.db.models import ProjectionSet, Space
from chroma.db.vectors import space_size
from chroma.services import jobs as job_service
from chroma.services.projections import default_algorithm

REFRESH = "space.refresh"
MIN_POINTS_FOR_A_MAP = 3


def schedule_refresh(session: Session, space_id: int, *, delay_seconds: float) -> tuple[int, bool]:
    """Queue (or push back) the space's refresh; returns (job id, whether it is new)."""
    space = session.get(Space, space_id)
    assert space is not None
    job, new = job_service.schedule_debounced(
        session,
        REFRESH,
        project_id=space.project_id,
        space_id=space_id,
        delay_seconds=delay_seconds,
    )
    return job.id, new


def queue_follow_ups(session: Session, space_id: int) -> list[int]:
    """Queue the index update and the map updates a space needs now; return their ids."""
    space = session.get(Space, space_id)
    if space is None:
        return []
    jobs = [
        job_service.create_job(
            session, "neighbours.update", project_id=space.project_id, space_id=space_id
        )
    ]
    sets = session.scalars(select(ProjectionSet).where(ProjectionSet.space_id == space_id)).all()
    if not sets:
        n = space_size(session, space_id)
        if n >= MIN_POINTS_FOR_A_MAP:
            try:
                algorithm, params = default_algorithm(n)
            except InvalidInput:
                return [j.id for j in jobs]
            row = ProjectionSet(
                space_id=space_id, algorithm=algorithm, params=params, state="pending"
            )
            session.add(row)
            session.flush()
            job = job_service.create_job(
                session,
                "projection.compute",
                project_id=space.project_id,
                space_id=space_id,
                target={"projection_id": row.id},
            )
            row.job_id = job.id
            jobs.append(job)
    for row in sets:
        if row.auto_place and row.computed_at is not None:
            jobs.append(
                job_service.create_job(
                    session,
                    "projection.place",
                    project_id=space.project_id,
                    space_id=space_id,
                    target={"projection_id": row.id},
                )
            )
    session.flush()
    return [j.id for j in jobs]
