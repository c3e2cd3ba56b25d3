"""``analysis.compute``: a quality analysis of a space (mislabels, outliers, ...)."""

from __future__ import annotations

from chroma.jobs.context import JobContext
from chroma.services.analyses import ANALYSES
from chroma.services.analyses.compute import compute_analysis
from chroma.services.jobs import JobRecord


def compute(context: JobContext, job: JobRecord) -> None:
    result = compute_analysis(
        context.store, ANALYSES.target_of(job), progress=context.progress, commit=context.commit
    )
    again = result.get("queued_again")  # its data changed while it computed
    if isinstance(again, int):
        context.followups.append(again)
