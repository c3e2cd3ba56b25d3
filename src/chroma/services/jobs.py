"""The life of a job, in the ``job`` table (the truth; runners only carry job ids around).

::

    queued --claim--> running --finish--> succeeded
      |                  |----fail------> failed
      |                  |----cancel----> cancelled (cooperative: the job sees the request)
      |                  '----heartbeat stops--> queued again (attempts < max) | failed
      '----cancel----> cancelled

Every transition is one conditional UPDATE, so two runners racing for a job (a redelivered
Celery message, a reaper and a slow worker) cannot both own it: :func:`claim` succeeds for
one, and :func:`still_owned` lets a job check, inside the transaction that writes its
result, that it was not given to someone else meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, NotFound
from chroma.db.models import Job, Space, utcnow
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services.listing import utc

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
STATES = (QUEUED, RUNNING, *FINISHED)


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
        def maybe(moment: datetime | None) -> datetime | None:
            return utc(moment) if moment is not None else None

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
            created_at=utc(job.created_at),
            not_before=maybe(job.not_before),
            started_at=maybe(job.started_at),
            finished_at=maybe(job.finished_at),
            heartbeat_at=maybe(job.heartbeat_at),
        )


def create_job(
    session: Session,
    kind: str,
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
    session: Session, kind: str, *, project_id: int, space_id: int, delay_seconds: float
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


def due_job_ids(session: Session, *, limit: int = 20) -> list[int]:
    """Queued jobs whose debounce delay has passed, oldest first."""
    now = utcnow()
    query = (
        select(Job.id)
        .where(Job.state == QUEUED, or_(Job.not_before.is_(None), Job.not_before <= now))
        .order_by(Job.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim(store: Store, job_id: int, worker: str) -> int | None:
    """Make ``worker`` the job's owner if it is queued and due; return the attempt number."""
    now = utcnow()
    with store.write() as session:
        claimed = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.state == QUEUED,
                or_(Job.not_before.is_(None), Job.not_before <= now),
            )
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
    """Cancel a queued job now; ask a running one to stop (it does at its next progress)."""
    with store.write() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job with id {job_id}", where="job")
        if job.state == QUEUED:
            job.state, job.finished_at = CANCELLED, utcnow()
        elif job.state == RUNNING:
            job.cancel_requested = True
        else:
            raise Conflict(f"job {job_id} has already {job.state}", where="job")
        session.flush()
        return JobRecord.of(job)


def worker_lost(store: Store, job_id: int, attempt: int | None, reason: str) -> str | None:
    """The process running a job died: requeue it while attempts remain, else fail it.

    Returns the new state, or None when the job was not running (nothing to do).
    """
    with store.write() as session:
        job = session.get(Job, job_id)
        if job is None or job.state != RUNNING:
            return None
        if attempt is not None and job.attempts != attempt:
            return None
        if job.cancel_requested:
            job.state, job.error = CANCELLED, None
        elif job.attempts < job.max_attempts:
            job.state, job.worker = QUEUED, None
            job.message = f"requeued after attempt {job.attempts}: {reason}"
        else:
            job.state, job.error = (
                FAILED,
                f"{reason} (attempt {job.attempts} of {job.max_attempts})",
            )
        if job.state != QUEUED:
            job.finished_at = utcnow()
        session.flush()
        return job.state


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
        since = utc(beat).isoformat(timespec="seconds") if beat else "the start"
        reason = f"worker lost: no heartbeat since {since}"
        state = worker_lost(store, job_id, attempt, reason)
        if state is not None:
            changed.append((job_id, state))
    return changed


__all__ = [
    "CANCELLED",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "STATES",
    "SUCCEEDED",
    "JobRecord",
    "cancel_job",
    "cancel_requested",
    "claim",
    "create_job",
    "due_job_ids",
    "end",
    "finish",
    "get_job",
    "heartbeat",
    "list_jobs",
    "reap_lost_jobs",
    "report_progress",
    "schedule_debounced",
    "still_owned",
    "worker_lost",
]
