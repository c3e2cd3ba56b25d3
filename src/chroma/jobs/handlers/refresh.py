"""``space.refresh``: what follows ingest once it settles (debounced per space).

It queues the visible follow-up jobs rather than doing the work itself: the neighbour
index update first, then placing the new points into each auto-updating map, or, for a
space without any map yet, a first map (UMAP, or PCA while the space is too small).
"""

from __future__ import annotations

from chroma.jobs.context import JobContext
from chroma.services import refresh as service
from chroma.services.jobs import JobRecord


def refresh(context: JobContext, job: JobRecord) -> None:
    assert job.space_id is not None
    with context.commit(None) as session:
        context.followups.extend(service.queue_follow_ups(session, job.space_id))
