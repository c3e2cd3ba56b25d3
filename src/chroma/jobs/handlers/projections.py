"""``projection.compute`` / ``projection.place``: a map of a space, whole or new points."""

from __future__ import annotations

from chroma.jobs.context import JobContext
from chroma.services import projections as service
from chroma.services.jobs import JobRecord
from chroma.services.projections import PROJECTIONS


def compute(context: JobContext, job: JobRecord) -> None:
    service.compute_projection(
        context.store, PROJECTIONS.target_of(job), progress=context.progress, commit=context.commit
    )


def place(context: JobContext, job: JobRecord) -> None:
    service.place_new_points(
        context.store, PROJECTIONS.target_of(job), progress=context.progress, commit=context.commit
    )
