"""``analysis.compute``: a quality analysis of a space (mislabels, outliers, ...)."""

from __future__ import annotations

import contextlib

from chroma.core.errors import ChromaError, InvalidInput
from chroma.jobs.context import JobCancelled, JobContext
from chroma.services import analyses
from chroma.services.analysis_compute import compute_analysis
from chroma.services.jobs import JobRecord


def _analysis_id(job: JobRecord) -> int:
    analysis_id = job.target.get("analysis_id")
    if not isinstance(analysis_id, int):
        raise InvalidInput("an analysis job needs an analysis id", where="job.target")
    return analysis_id


def compute(context: JobContext, job: JobRecord) -> None:
    analysis_id = _analysis_id(job)
    try:
        compute_analysis(
            context.store, analysis_id, progress=context.progress, commit=context.commit
        )
    except JobCancelled:
        raise
    except Exception as exc:
        # The job row says why too; the analysis keeps it once newer jobs replace that one.
        message = str(exc) if isinstance(exc, ChromaError) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception):  # never hide the failure itself
            analyses.record_failure(context.store, analysis_id, message)
        raise
