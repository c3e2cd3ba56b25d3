"""``space.compact``: rewrite a space's vector chunks without their superseded rows."""

from __future__ import annotations

from chroma.jobs.context import JobContext
from chroma.services import compaction as service
from chroma.services.jobs import JobRecord


def compact(context: JobContext, job: JobRecord) -> None:
    assert job.space_id is not None
    service.compact_space(
        context.store, job.space_id, progress=context.progress, commit=context.commit
    )
