"""The job table summed up for metrics (``server/metrics.py``): read at scrape time, so
every API process reports the same queue, whichever process or worker queued or ran a job.

Both are single aggregate queries (the table's rows never leave the database): jobs by
kind and state, and the durations of finished jobs as histogram buckets by kind and state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, case, cast, func, select

from chroma.db.models import Job
from chroma.db.store import Store

FINISHED = ("succeeded", "failed", "cancelled")


@dataclass(frozen=True)
class Durations:
    """Finished jobs of one kind and state: how many took at most each bucket's seconds
    (cumulative, as Prometheus wants them), how many in all and their seconds in all."""

    kind: str
    state: str
    at_most: list[int]
    count: int
    total_seconds: float


def job_counts(store: Store) -> list[tuple[str, str, int]]:
    """(kind, state, jobs) for every kind and state present in the table."""
    with store.read() as session:
        rows = session.execute(
            select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state)
        ).all()
    return [(str(kind), str(state), int(n)) for kind, state, n in rows]


def job_durations(store: Store, buckets: Sequence[float]) -> list[Durations]:
    """Seconds from start to finish of the finished jobs that started, by kind and state."""
    with store.read() as session:
        seconds = _seconds(session.get_bind().dialect.name)
        columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in buckets]
        rows = session.execute(
            select(Job.kind, Job.state, func.count(), func.sum(seconds), *columns)
            .where(
                Job.state.in_(FINISHED),
                Job.started_at.is_not(None),
                Job.finished_at.is_not(None),
            )
            .group_by(Job.kind, Job.state)
        ).all()
    return [
        Durations(
            kind=str(row[0]),
            state=str(row[1]),
            at_most=[int(n or 0) for n in row[4:]],
            count=int(row[2]),
            total_seconds=max(0.0, float(row[3] or 0.0)),
        )
        for row in rows
    ]


def _seconds(dialect: str) -> ColumnElement[float]:
    if dialect == "sqlite":  # timestamps are ISO text there
        return cast(
            (func.julianday(Job.finished_at) - func.julianday(Job.started_at)) * 86400.0,
            Float,
        )
    return cast(func.extract("epoch", Job.finished_at - Job.started_at), Float)
