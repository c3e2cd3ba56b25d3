"""``projection.compute`` / ``projection.place``: a map of a space, whole or new points."""

from __future__ import annotations

from chroma.core.errors import InvalidInput
from chroma.jobs.context import JobContext
from chroma.services import projections as service
from chroma.services.jobs import JobRecord


def _projection_id(job: JobRecord) -> int:
    projection_id = job.target.get("projection_id")
    if not isinstance(projection_id, int):
        raise InvalidInput("a projection job needs a projection id", where="job.target")
    return projection_id


def compute(context: JobContext, job: JobRecord) -> None:
    service.compute_projection(
        context.store, _projection_id(job), progress=context.progress, commit=context.commit
    )


def place(context: JobContext, job: JobRecord) -> None:
    service.place_new_points(
        context.store, _projection_id(job), progress=context.progress, commit=context.commit
    )
