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
from datetime import timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, literal, select, true, update
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, NotFound
from chroma.db.models import Job, Space, utcnow
from chroma.db.store import Store
from chroma.services.jobs.records import (
    ACTIVE,
    CANCELLED,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobKind,
    JobRecord,
    due,
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
    session: Session, kind: JobKind, *, space_id: int, delay_seconds: float
) -> tuple[int, bool]:
    """Queue ``kind`` for a space ``delay_seconds`` from now, or push back the one waiting.

    Many ingest batches in a row therefore make one job, started once they stop. Returns
    the job's id and whether it is new (only a new one needs sending to a runner).
    """
    # Batches arrive in parallel (the SDK sends two at once): lock the space's row so that
    # concurrent callers take turns, else on PostgreSQL (read committed) each finds none
    # waiting and queues its own. FOR NO KEY UPDATE: rows that only reference the space
    # (ingest) are not held up. SQLite's write transactions already take turns.
    project_id = session.scalar(
        select(Space.project_id).where(Space.id == space_id).with_for_update(key_share=True)
    )
    if project_id is None:
        raise NotFound(f"no space with id {space_id}", where="space")
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
        return job.id, True
    waiting.not_before = utcnow() + timedelta(seconds=delay_seconds)
    session.flush()
    return waiting.id, False


def claim(store: Store, job_id: int, worker: str) -> int | None:
    """Make ``worker`` the job's owner if it is queued and due; return the attempt number."""
    now = utcnow()
    with store.write() as session:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, due(now))
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


def reap_lost_jobs(
    store: Store,
    *,
    heartbeat_timeout: float,
    worker_gone: Callable[[str], bool] | None = None,
    quiet_for: float = 0.0,
) -> list[tuple[int, str]]:
    """Requeue or fail running jobs whose heartbeat stopped ``heartbeat_timeout`` ago.

    With ``worker_gone`` (``chroma.jobs.execute.worker_gone``), also those quiet for
    ``quiet_for`` whose worker it says has ended: a job process of this machine that died
    with its server is found in seconds, not after the timeout. The missed beats it also
    asks for keep a live worker that only looks gone (see ``worker_gone``) beating.
    """
    now = utcnow()
    limit = now - timedelta(seconds=heartbeat_timeout)
    quiet = now - timedelta(seconds=quiet_for) if worker_gone is not None else limit
    with store.read() as session:
        stale = session.execute(
            select(Job.id, Job.attempts, Job.worker, Job.heartbeat_at).where(
                Job.state == RUNNING, Job.heartbeat_at < max(limit, quiet)
            )
        ).all()
    changed = []
    for job_id, attempt, worker, beat in stale:
        since = beat.isoformat(timespec="seconds") if beat else "the start"
        if beat is not None and beat < limit:
            reason = f"worker lost: no heartbeat since {since}"
        elif worker and worker_gone is not None and worker_gone(worker):
            reason = f"worker lost: its process {worker} has ended (last heartbeat {since})"
        else:
            continue
        state = worker_lost(store, job_id, attempt, reason)
        if state is not None:
            changed.append((job_id, state))
    return changed
