"""Job kinds and the functions that run them: ``handler(context, job)``.

A handler reads what it needs, computes with progress (``context.progress`` or a
``context.part``), and writes its result inside ``with context.commit(result) as
session:``, the one transaction that also marks the job succeeded.
"""

from __future__ import annotations

from collections.abc import Callable

from chroma.jobs.context import JobContext
from chroma.jobs.handlers import analyses, neighbours, projections, refresh, system
from chroma.services.jobs import JobRecord

Handler = Callable[[JobContext, JobRecord], None]

HANDLERS: dict[str, Handler] = {
    "system.wait": system.wait,
    "neighbours.build": neighbours.build,
    "neighbours.update": neighbours.update,
    "projection.compute": projections.compute,
    "projection.place": projections.place,
    "space.refresh": refresh.refresh,
    "analysis.compute": analyses.compute,
}
