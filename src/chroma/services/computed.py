"""The lifecycle every computed result shares: maps, analyses and the kinds to come.

A computed result is a row (:class:`chroma.db.models.ComputedResult`) plus per-datapoint
chunks, computed by a job over a space. This module is the one place that knows how such
a result is queued, recomputed, deleted, read back as a record and found by its job; a
kind (:class:`ComputedKind`) brings only what differs: its table, its jobs, how a row
becomes a record and the checks to run again before a recomputation. ADR 0009.

The state is derived, never stored: a result with ``computed_at`` is ``ready`` (also while
a new computation runs, since the old result stays readable until the new one commits);
before that it is what its latest job is (``queued``, ``computing``, ``failed``,
``cancelled``). ``error`` is why the latest computation failed, also when an older result
is still shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.models import ComputedResult, Job, Space
from chroma.db.store import Store
from chroma.services import jobs as job_service
from chroma.services.jobs import JobKind, JobRecord

ComputedState = Literal["ready", "queued", "computing", "failed", "cancelled"]
STATES: tuple[ComputedState, ...] = ("ready", "queued", "computing", "failed", "cancelled")
_FROM_JOB: dict[str, ComputedState] = {
    job_service.QUEUED: "queued",
    job_service.RUNNING: "computing",
    job_service.SUCCEEDED: "ready",
    job_service.FAILED: "failed",
    job_service.CANCELLED: "cancelled",
}


@dataclass(frozen=True)
class Status:
    state: ComputedState
    error: str | None
    """Why the latest computation failed (None while one is queued or running)."""


def status(row: ComputedResult, job: Job | None) -> Status:
    """The one derivation of a result's state from its row and its latest job."""
    error = job.error if job is not None and job.state == job_service.FAILED else None
    if row.computed_at is not None:
        return Status("ready", error)
    if job is None:  # its job row is gone: nothing will compute it any more
        return Status("failed", "its computation is gone; compute it again")
    return Status(_FROM_JOB[job.state], error)


@dataclass(frozen=True)
class ComputedRecord:
    """What a reader sees of any computed result; kinds extend it with their own fields."""

    id: int
    space_id: int
    params: dict[str, Any]
    dataset_ids: list[int] | None
    state: ComputedState
    error: str | None
    job_id: int | None
    created_at: datetime
    computed_at: datetime | None

    @staticmethod
    def common(row: ComputedResult, job: Job | None) -> dict[str, Any]:
        """The shared fields of a row, as keyword arguments for a kind's record."""
        found = status(row, job)
        return {
            "id": row.id,
            "space_id": row.space_id,
            "params": dict(row.params),
            "dataset_ids": ids_or_none(row.dataset_ids),
            "state": found.state,
            "error": found.error,
            "job_id": row.job_id,
            "created_at": row.created_at,
            "computed_at": row.computed_at,
        }


Row = TypeVar("Row", bound=ComputedResult)
Record = TypeVar("Record", bound=ComputedRecord)


@dataclass(frozen=True)
class ComputedKind(Generic[Row, Record]):
    """One kind of computed result: what differs from kind to kind, and nothing else."""

    noun: str
    """How users call one (``projection``): error messages and their ``where``."""
    model: type[Row]
    compute_job: JobKind
    """The job that computes a whole result; the row's ``job_id`` is the latest one."""
    other_jobs: tuple[JobKind, ...]
    """Further jobs that work on a result (e.g. placing new points into a map)."""
    target_key: str
    """The key of the result's id in its jobs' ``target`` (``projection_id``)."""
    record: Callable[[Row, Job | None], Record]
    recheck: Callable[[Session, Row, Space], None]
    """Checks run again before a recomputation (the space may have changed since)."""
    remove_files: Callable[[Store, Session, int], None] | None = None
    """Removes what a result keeps outside the database (caches), after the delete commits."""

    @property
    def job_kinds(self) -> tuple[JobKind, ...]:
        return (self.compute_job, *self.other_jobs)

    def not_found(self, result_id: int) -> NotFound:
        return NotFound(f"no {self.noun} with id {result_id}", where=self.noun)

    def target_of(self, job: JobRecord) -> int:
        """The result a job of this kind works on."""
        result_id = job.target.get(self.target_key)
        if not isinstance(result_id, int):
            raise InvalidInput(f"a {self.noun} job needs a {self.noun} id", where="job.target")
        return result_id


def ids_or_none(value: Sequence[int] | None) -> list[int] | None:
    return None if value is None else [int(v) for v in value]


# ---- reading ----------------------------------------------------------------------------------


def records(session: Session, kind: ComputedKind[Row, Record], rows: Sequence[Row]) -> list[Record]:
    """Records of many rows: their jobs in one query."""
    job_ids = [r.job_id for r in rows if r.job_id is not None]
    jobs = {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(job_ids)))}
    return [kind.record(r, jobs.get(r.job_id) if r.job_id else None) for r in rows]


def get_row(session: Session, kind: ComputedKind[Row, Record], result_id: int) -> Row:
    row = session.get(kind.model, result_id)
    if row is None:
        raise kind.not_found(result_id)
    return row


def get(session: Session, kind: ComputedKind[Row, Record], result_id: int) -> Record:
    return records(session, kind, [get_row(session, kind, result_id)])[0]


def of_spaces(
    session: Session, kind: ComputedKind[Row, Record], space_ids: Sequence[int]
) -> dict[int, list[Record]]:
    """The results of each space, oldest first (one query for all spaces)."""
    model = kind.model
    rows = session.scalars(
        select(model).where(model.space_id.in_(list(space_ids))).order_by(model.id)
    ).all()
    out: dict[int, list[Record]] = {i: [] for i in space_ids}
    for record in records(session, kind, rows):
        out[record.space_id].append(record)
    return out


def load(store: Store, kind: ComputedKind[Row, Record], result_id: int) -> tuple[Row, Space]:
    """For a job about to compute: the result's row and its space (read, then detached)."""
    with store.read() as session:
        row = get_row(session, kind, result_id)
        space = session.get(Space, row.space_id)
        assert space is not None  # a space's results are deleted with it
        return row, space


def active_job(session: Session, row: ComputedResult) -> Job | None:
    """The result's computation while it is queued or running, else None."""
    job = session.get(Job, row.job_id) if row.job_id is not None else None
    return job if job is not None and job.state in job_service.ACTIVE else None


# ---- changing ---------------------------------------------------------------------------------


def queue(session: Session, kind: ComputedKind[Row, Record], row: Row, space: Space) -> Job:
    """Queue a whole computation of ``row`` (flushed) and make it the row's latest job."""
    session.flush()  # a new row needs its id for the job's target
    job = queue_job(session, kind, kind.compute_job, row, space)
    row.job_id = job.id
    return job


def queue_job(
    session: Session, kind: ComputedKind[Row, Record], job_kind: JobKind, row: Row, space: Space
) -> Job:
    """Queue one of the kind's jobs on ``row`` (a placement, say) without making it the
    row's computation."""
    return job_service.create_job(
        session,
        job_kind,
        project_id=space.project_id,
        space_id=space.id,
        target={kind.target_key: row.id},
    )


def recompute(
    store: Store, kind: ComputedKind[Row, Record], result_id: int
) -> tuple[Record, JobRecord]:
    """Check the result's inputs again, then queue a new computation (one transaction).

    The old result stays readable until the new one commits.
    """
    with store.write() as session:
        row = get_row(session, kind, result_id)
        space = session.get(Space, row.space_id)
        assert space is not None  # a space's results are deleted with it
        job = recompute_in(session, kind, row, space)
        return records(session, kind, [row])[0], JobRecord.of(job)


def recompute_in(session: Session, kind: ComputedKind[Row, Record], row: Row, space: Space) -> Job:
    """:func:`recompute` inside a transaction of the caller's (a job's commit): the kind's
    checks again (raising before anything is written), then a new computation queued."""
    kind.recheck(session, row, space)
    return queue(session, kind, row, space)


def delete_result(store: Store, kind: ComputedKind[Row, Record], result_id: int) -> Record:
    """Delete a result with its chunks; its queued jobs are cancelled, running ones asked to
    stop (their commit then finds the result gone and writes nothing). Answers the result
    as it was."""
    with store.write() as session:
        record = get(session, kind, result_id)
        job_service.cancel_for_target(session, kind.job_kinds, kind.target_key, result_id)
        session.execute(delete(kind.model).where(kind.model.id == result_id))
        if kind.remove_files is not None:
            kind.remove_files(store, session, result_id)
        return record


def in_commit(session: Session, kind: ComputedKind[Row, Record], result_id: int) -> Row:
    """Inside a job's commit: the row to write the result into, unless it was deleted while
    the job computed (then the commit fails and writes nothing)."""
    row = session.get(kind.model, result_id)
    if row is None:
        raise NotFound(f"{kind.noun} {result_id} was deleted", where=kind.noun)
    return row


__all__ = [
    "STATES",
    "ComputedKind",
    "ComputedRecord",
    "ComputedState",
    "Status",
    "active_job",
    "delete_result",
    "get",
    "get_row",
    "ids_or_none",
    "in_commit",
    "load",
    "of_spaces",
    "queue",
    "queue_job",
    "recompute",
    "recompute_in",
    "records",
    "status",
]
