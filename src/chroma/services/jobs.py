"""The life of a job, in the ``job`` table (the truth; runners only carry job ids around).

::

    queued --claim--> running --finish--> succeeded
      |                  |----fail------> failed
      |                  |----cancel----> cancelled (cooperative: the job sees the request)
      |                  '----heartbeat stops--> queued again (attempts < max) | failed
      '----cancel----> cancelled

Every transition is one conditional UPDATE (``WHERE`` the state it leaves), never a read
followed by a write: two parties racing for a job (a redelivered Celery message, a reaper
and a slow worker, a cancel and a finishing job) cannot both win. :func:`claim` succeeds
for one, and :func:`still_owned` lets a job check, inside the transaction that writes its
result, that it was not given to someone else meanwhile. This module is the only one that
changes a job's state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import String, and_, case, cast, literal, or_, select, true, update
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, NotFound
from chroma.db.models import Job, Space, utcnow
from chroma.db.store import Store
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
    WAIT = "system.wait"
    """Waits and reports progress: diagnostics (``chroma worker --check``) and tests."""


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


def create_job(
    session: Session,
    kind: JobKind,
    *,
    project_id: int | None,
    space_id: int | None = None,
    target: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    delay_seconds: float = 0.0,
    max_attempts: int = 2,
) -> Job:
    job = Job(
        kind=kind,
        project_id=project_id,
        space_id=space_id,
        target=target or {},
        params=params or {},
        state=QUEUED,
        progress=0.0,
        max_attempts=max_attempts,
        not_before=utcnow() + timedelta(seconds=delay_seconds) if delay_seconds else None,
    )
    session.add(job)
    session.flush()
    return job


def schedule_debounced(
    session: Session, kind: JobKind, *, project_id: int, space_id: int, delay_seconds: float
) -> tuple[Job, bool]:
    """Queue ``kind`` for a space ``delay_seconds`` from now, or push back the one waiting.

    Many ingest batches in a row therefore make one job, started once they stop. Returns
    the job and whether it is new (only a new one needs sending to a runner).
    """
    # Batches arrive in parallel (the SDK sends two at once): lock the space's row so that
    # concurrent callers take turns, else on PostgreSQL (read committed) each finds none
    # waiting and queues its own. FOR NO KEY UPDATE: rows that only reference the space
    # (ingest) are not held up. SQLite's write transactions already take turns.
    session.execute(select(Space.id).where(Space.id == space_id).with_for_update(key_share=True))
    waiting = session.scalar(
        select(Job)
        .where(Job.space_id == space_id, Job.kind == kind, Job.state == QUEUED)
        .order_by(Job.id)
        .limit(1)
    )
    if waiting is None:
        job = create_job(
            session, kind, project_id=project_id, space_id=space_id, delay_seconds=delay_seconds
        )
        return job, True
    waiting.not_before = utcnow() + timedelta(seconds=delay_seconds)
    session.flush()
    return waiting, False


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


def _due(moment: datetime) -> Any:
    return and_(
        Job.state == QUEUED,
        or_(Job.not_before.is_(None), Job.not_before <= moment),
    )


def due_job_ids(session: Session, *, overdue_by: float = 0.0, limit: int = 20) -> list[int]:
    """Queued jobs whose debounce delay has passed, oldest first.

    With ``overdue_by``: only those due (and queued) that long ago already, which a runner
    that was told about them should have started by now (a message lost while a broker
    was down).
    """
    moment = utcnow() - timedelta(seconds=overdue_by)
    query = select(Job.id).where(_due(moment))
    if overdue_by:
        query = query.where(Job.created_at <= moment)
    return list(session.scalars(query.order_by(Job.id).limit(limit)))


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


def claim(store: Store, job_id: int, worker: str) -> int | None:
    """Make ``worker`` the job's owner if it is queued and due; return the attempt number."""
    now = utcnow()
    with store.write() as session:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, _due(now))
            .values(
                state=RUNNING,
                attempts=Job.attempts + 1,
                worker=worker,
                started_at=now,
                heartbeat_at=now,
                progress=0.0,
                error=None,
            )
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return int(session.scalar(select(Job.attempts).where(Job.id == job_id)) or 0)


def _owned(job_id: int, attempt: int) -> Any:
    return and_(Job.id == job_id, Job.state == RUNNING, Job.attempts == attempt)


def still_owned(session: Session, job_id: int, attempt: int) -> bool:
    """Inside a write transaction: is this attempt still the job's running owner?"""
    return session.scalar(select(Job.id).where(_owned(job_id, attempt))) is not None


def cancel_requested(session: Session, job_id: int) -> bool:
    return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def report_progress(
    store: Store, job_id: int, attempt: int, fraction: float, message: str | None
) -> bool:
    """Record progress (and a heartbeat). Returns False when the job is no longer ours or a
    cancel was requested: the caller stops."""
    with store.write() as session:
        done = session.execute(
            update(Job)
            .where(_owned(job_id, attempt))
            .values(progress=min(max(fraction, 0.0), 1.0), message=message, heartbeat_at=utcnow())
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        return not cancel_requested(session, job_id)


def heartbeat(store: Store, job_id: int, attempt: int) -> bool:
    with store.write() as session:
        done = session.execute(
            update(Job).where(_owned(job_id, attempt)).values(heartbeat_at=utcnow())
        )
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def finish(
    session: Session, job_id: int, attempt: int, result: dict[str, Any] | None = None
) -> bool:
    """Mark success inside the caller's transaction (the one that wrote the result)."""
    done = session.execute(
        update(Job)
        .where(_owned(job_id, attempt))
        .values(state=SUCCEEDED, progress=1.0, message="done", result=result, finished_at=utcnow())
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def end(store: Store, job_id: int, attempt: int, state: str, error: str | None = None) -> None:
    """Record a failed or cancelled attempt (no-op when the job was taken from us)."""
    with store.write() as session:
        session.execute(
            update(Job)
            .where(_owned(job_id, attempt))
            .values(state=state, error=error, finished_at=utcnow())
        )


def cancel_job(store: Store, job_id: int) -> JobRecord:
    """Cancel a queued job now; ask a running one to stop (it does at its next progress).

    One conditional UPDATE: a job that starts or ends meanwhile is seen as it is then.
    """
    with store.write() as session:
        cancelled = _cancel(session, Job.id == job_id)
        job = session.get(Job, job_id, populate_existing=True)
        if job is None:
            raise NotFound(f"no job with id {job_id}", where="job")
        if not cancelled:
            raise Conflict(f"job {job_id} has already {job.state}", where="job")
        return JobRecord.of(job)


def cancel_for_target(
    session: Session, kinds: Sequence[JobKind], target_key: str, target_id: int
) -> int:
    """Inside the caller's transaction: cancel the active jobs of ``kinds`` whose target
    names ``target_key: target_id`` (e.g. every job of a map that is being deleted).

    Returns how many were cancelled or asked to stop.
    """
    matches = and_(Job.kind.in_(list(kinds)), Job.target[target_key].as_integer() == target_id)
    return _cancel(session, matches)


def _cancel(session: Session, which: Any) -> int:
    """queued -> cancelled, running -> cancel requested, for the jobs ``which`` selects."""
    queued = Job.state == QUEUED
    done = session.execute(
        update(Job)
        .where(which, Job.state.in_(ACTIVE))
        .values(
            state=case((queued, CANCELLED), else_=Job.state),
            finished_at=case((queued, utcnow()), else_=Job.finished_at),
            cancel_requested=case((Job.state == RUNNING, true()), else_=Job.cancel_requested),
        )
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def worker_lost(store: Store, job_id: int, attempt: int | None, reason: str) -> str | None:
    """The process running a job died: requeue it while attempts remain, else fail it (a
    job whose cancel was requested ends cancelled).

    One conditional UPDATE on the running attempt: a job that finished meanwhile keeps its
    end. Returns the new state, or None when the job was not running (nothing to do).
    """
    owned = [Job.id == job_id, Job.state == RUNNING]
    if attempt is not None:
        owned.append(Job.attempts == attempt)
    retry = Job.attempts < Job.max_attempts
    attempts = cast(Job.attempts, String)
    with store.write() as session:
        changed = session.execute(
            update(Job)
            .where(*owned)
            .values(
                state=case((Job.cancel_requested, CANCELLED), (retry, QUEUED), else_=FAILED),
                worker=case((retry & ~Job.cancel_requested, None), else_=Job.worker),
                message=case(
                    (
                        retry & ~Job.cancel_requested,
                        literal("requeued after attempt ") + attempts + literal(f": {reason}"),
                    ),
                    else_=Job.message,
                ),
                error=case(
                    (Job.cancel_requested, None),
                    (retry, Job.error),
                    else_=literal(f"{reason} (attempt ")
                    + attempts
                    + literal(" of ")
                    + cast(Job.max_attempts, String)
                    + literal(")"),
                ),
                finished_at=case((retry & ~Job.cancel_requested, Job.finished_at), else_=utcnow()),
            )
            .returning(Job.state)
            .execution_options(synchronize_session=False)
        ).first()
        return None if changed is None else str(changed.state)


def reap_lost_jobs(store: Store, *, heartbeat_timeout: float) -> list[tuple[int, str]]:
    """Requeue or fail running jobs whose heartbeat stopped ``heartbeat_timeout`` ago."""
    limit = utcnow() - timedelta(seconds=heartbeat_timeout)
    with store.read() as session:
        stale = session.execute(
            select(Job.id, Job.attempts, Job.heartbeat_at).where(
                Job.state == RUNNING, Job.heartbeat_at < limit
            )
        ).all()
    changed = []
    for job_id, attempt, beat in stale:
        since = beat.isoformat(timespec="seconds") if beat else "the start"
        reason = f"worker lost: no heartbeat since {since}"
        state = worker_lost(store, job_id, attempt, reason)
        if state is not None:
            changed.append((job_id, state))
    return changed


__all__ = [
    "ACTIVE",
    "CANCELLED",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "STATES",
    "SUCCEEDED",
    "Commit",
    "JobKind",
    "JobRecord",
    "cancel_for_target",
    "cancel_job",
    "cancel_requested",
    "claim",
    "create_job",
    "due_job_ids",
    "end",
    "finish",
    "get_job",
    "heartbeat",
    "jobs_by_id",
    "list_jobs",
    "reap_lost_jobs",
    "report_progress",
    "schedule_debounced",
    "seconds_until_due",
    "still_owned",
    "worker_lost",
]
