"""``space.refresh``: what follows ingest once it settles (debounced per space).

It queues the visible follow-up jobs rather than doing the work itself: the neighbour
index update first, then placing the new points into each auto-updating map, or, for a
space without any map yet, a first map (UMAP, or PCA while the space is too small); then
a recomputation of each stale analysis with auto refresh on. Its result lists the jobs
and which analyses it queued.
"""

from __future__ import annotations

from typing import Any

from chroma.jobs.context import JobContext
from chroma.services import refresh as service
from chroma.services.jobs import JobRecord


def refresh(context: JobContext, job: JobRecord) -> None:
    assert job.space_id is not None
    result: dict[str, Any] = {}  # filled in before the commit writes it
    with context.commit(result) as session:
        found = service.follow_ups(session, job.space_id)
        result.update(found.result())
        context.followups.extend(found.job_ids)
