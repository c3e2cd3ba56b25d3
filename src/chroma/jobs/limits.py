"""A job process's memory budget (``CHROMA_JOB_MEMORY_BUDGET_GIB``).

Set once in each process that runs jobs (the in-process runner's children, a ``chroma
worker``) as ``RLIMIT_DATA``: its heap and private mappings, not address space reserved
and never touched (numba and BLAS reserve plenty). An allocation past the budget raises
``MemoryError`` inside the job, which fails with :func:`describe`'s message; the server,
another process, keeps answering.
"""

from __future__ import annotations

import resource

from chroma.settings import Settings

_applied: list[int] = []


def apply_memory_budget(settings: Settings) -> None:
    """Limit this process's data memory to the job budget (once; lowering only)."""
    if _applied:
        return
    budget = settings.job_memory_budget_bytes
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (budget, hard))
    _applied.append(budget)


def describe(error: MemoryError) -> str:
    """What a job that ran out of memory says (the budget, and how to raise it)."""
    budget = f"{_applied[0] / 2**30:.1f} GiB" if _applied else "this machine's memory"
    detail = f" ({error})" if str(error) else ""
    return (
        f"the job ran out of its memory budget of {budget}{detail}; raise "
        "CHROMA_JOB_MEMORY_BUDGET_GIB, lower CHROMA_JOB_WORKERS, or compute less at once"
    )
