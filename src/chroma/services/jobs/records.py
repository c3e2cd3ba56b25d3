"""Jobs as readers see them: their kinds, states and records, and the reads of the table
(one job, a listing, what is due). Transitions live in ``transitions.py``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from chroma.core.errors import NotFound
from chroma.db.models import Job, utcnow
from chroma.services import catalog

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
STATES = (QUEUED, RUNNING, *FINISHED)


class JobKind(StrEnum):
    """Every kind of job; ``chroma.jobs.handlers`` has one handler per kind."""

    REFRESH = "space.refresh"
    """What follows ingest once it settles: queues the index update and map updates."""
    NEIGHBOURS_BUILD = "neighbours.build"
    NEIGHBOURS_UPDATE = "neighbours.update"
    PROJECTION_COMPUTE = "projection.compute"
    PROJECTION_PLACE = "projection.place"
    ANALYSIS_COMPUTE = "analysis.compute"
    COMPACT = "space.compact"
    """Rewrites a space's vector chunks without their superseded rows (queued by ingest)."""
    WAIT = "system.wait"
    """Waits and reports progress: diagnostics (``chroma worker --check``) and tests."""


BACKGROUND: frozenset[JobKind] = frozenset(
    {JobKind.NEIGHBOURS_BUILD, JobKind.NEIGHBOURS_UPDATE, JobKind.COMPACT}
)
"""Kinds nobody watches as they run: they yield the processor to those somebody waits for
(a first map) when both run at once."""

Commit = Callable[[dict[str, Any] | None], AbstractContextManager[Session]]
"""A job's ``commit(result)``: the one transaction that writes its result and marks it
succeeded (``chroma.jobs.context.JobContext.commit``)."""


@dataclass(frozen=True)
class JobRecord:
    id: int
    kind: str
    project_id: int | None
    space_id: int | None
    target: dict[str, Any]
    params: dict[str, Any]
    state: str
    progress: float
    message: str | None
    error: str | None
    result: dict[str, Any] | None
    worker: str | None
    attempts: int
    max_attempts: int
    cancel_requested: bool
    created_at: datetime
    not_before: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @classmethod
    def of(cls, job: Job) -> JobRecord:
        return cls(
            id=job.id,
            kind=job.kind,
            project_id=job.project_id,
            space_id=job.space_id,
            target=dict(job.target or {}),
            params=dict(job.params or {}),
            state=job.state,
            progress=job.progress,
            message=job.message,
            error=job.error,
            result=job.result,
            worker=job.worker,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            cancel_requested=job.cancel_requested,
            created_at=job.created_at,
            not_before=job.not_before,
            started_at=job.started_at,
            finished_at=job.finished_at,
            heartbeat_at=job.heartbeat_at,
        )


def get_job(session: Session, job_id: int) -> JobRecord:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}", where="job")
    return JobRecord.of(job)


def jobs_by_id(session: Session, job_ids: Sequence[int]) -> dict[int, JobRecord]:
    query = select(Job).where(Job.id.in_(list(job_ids)))
    return {j.id: JobRecord.of(j) for j in session.scalars(query)}


def list_jobs(
    session: Session,
    *,
    project: str | None = None,
    states: list[str] | None = None,
    kinds: list[str] | None = None,
    space_id: int | None = None,
    limit: int = 50,
) -> list[JobRecord]:
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if project is not None:
        query = query.where(Job.project_id == catalog.get_project(session, project).id)
    if states:
        query = query.where(Job.state.in_(states))
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    if space_id is not None:
        query = query.where(Job.space_id == space_id)
    return [JobRecord.of(job) for job in session.scalars(query)]


def due(moment: datetime) -> Any:
    return and_(
        Job.state == QUEUED,
        or_(Job.not_before.is_(None), Job.not_before <= moment),
    )


def due_jobs(
    session: Session, *, overdue_by: float = 0.0, limit: int = 20
) -> list[tuple[int, str]]:
    """Queued jobs whose debounce delay has passed, oldest first, with their kinds.

    With ``overdue_by``: only those due (and queued) that long ago already, which a runner
    that was told about them should have started by now (a message lost while a broker
    was down).
    """
    moment = utcnow() - timedelta(seconds=overdue_by)
    query = select(Job.id, Job.kind).where(due(moment))
    if overdue_by:
        query = query.where(Job.created_at <= moment)
    rows = session.execute(query.order_by(Job.id).limit(limit))
    return [(int(job_id), str(kind)) for job_id, kind in rows]


def due_job_ids(session: Session, *, overdue_by: float = 0.0, limit: int = 20) -> list[int]:
    return [job_id for job_id, _ in due_jobs(session, overdue_by=overdue_by, limit=limit)]


def seconds_until_next_due(session: Session) -> float | None:
    """How long until the next queued job is due (0 when one is); None when none is queued."""
    waiting = session.execute(
        select(Job.not_before).where(Job.state == QUEUED).order_by(Job.not_before).limit(1)
    ).first()
    if waiting is None:
        return None
    if waiting.not_before is None:
        return 0.0
    wait: timedelta = waiting.not_before - utcnow()
    return max(wait.total_seconds(), 0.0)


def seconds_until_due(session: Session, job_id: int) -> float | None:
    """How long a queued job still waits for its debounce delay (0 when due); None when
    it is not queued (started, finished or gone)."""
    row = session.execute(select(Job.state, Job.not_before).where(Job.id == job_id)).first()
    if row is None or row.state != QUEUED:
        return None
    if row.not_before is None:
        return 0.0
    wait: timedelta = row.not_before - utcnow()
    return max(wait.total_seconds(), 0.0)
