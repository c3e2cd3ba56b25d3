"""Job kinds and the functions that run them: ``handler(context, job)``.

A handler reads what it needs, computes with progress (``context.progress`` or a
``context.part``), and writes its result inside ``with context.commit(result) as
session:``, the one transaction that also marks the job succeeded.
"""

from __future__ import annotations

from collections.abc import Callable

from chroma.jobs.context import JobContext
from chroma.jobs.handlers import analyses, compaction, neighbours, projections, refresh, system
from chroma.services.jobs import JobKind, JobRecord

Handler = Callable[[JobContext, JobRecord], None]

HANDLERS: dict[JobKind, Handler] = {
    JobKind.WAIT: system.wait,
    JobKind.NEIGHBOURS_BUILD: neighbours.build,
    JobKind.NEIGHBOURS_UPDATE: neighbours.update,
    JobKind.PROJECTION_COMPUTE: projections.compute,
    JobKind.PROJECTION_PLACE: projections.place,
    JobKind.REFRESH: refresh.refresh,
    JobKind.ANALYSIS_COMPUTE: analyses.compute,
    JobKind.COMPACT: compaction.compact,
}
