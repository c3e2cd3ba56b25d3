"""``neighbours.build`` / ``neighbours.update``: a space's ANN index and kNN graph."""

from __future__ import annotations

from chroma.core.errors import InvalidInput
from chroma.jobs.context import JobContext
from chroma.services import neighbours as service
from chroma.services.jobs import JobRecord


def _space_id(job: JobRecord) -> int:
    if job.space_id is None:
        raise InvalidInput("a neighbour index job needs a space", where="job.space")
    return job.space_id


def build(context: JobContext, job: JobRecord) -> None:
    service.build_index(
        context.store, _space_id(job), progress=context.progress, commit=context.commit
    )


def update(context: JobContext, job: JobRecord) -> None:
    service.update_index(
        context.store, _space_id(job), progress=context.progress, commit=context.commit
    )
