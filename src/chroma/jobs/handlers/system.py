"""``system.wait``: a job that only waits and reports progress.

A diagnostic (does a worker pick up jobs, do progress and cancel reach it?) used by
``chroma worker --check`` and by the job lifecycle tests, which need a job whose length
they choose (and, with ``allocate_mib``, how much memory it holds).
"""

from __future__ import annotations

import time

import numpy as np

from chroma.core.errors import InvalidInput
from chroma.jobs.context import JobContext
from chroma.services.jobs import JobRecord

STEP_SECONDS = 0.05


def wait(context: JobContext, job: JobRecord) -> None:
    seconds = job.params.get("seconds", 1.0)
    if not isinstance(seconds, int | float) or not 0 <= seconds <= 3600:
        raise InvalidInput("seconds must be a number in [0, 3600]", where="params.seconds")
    if job.params.get("fail"):
        raise InvalidInput(str(job.params["fail"]), where="params.fail")
    allocate = job.params.get("allocate_mib", 0)
    if not isinstance(allocate, int) or not 0 <= allocate <= 1 << 20:
        raise InvalidInput("allocate_mib must be a whole number of MiB", where="params")
    held = np.ones(allocate << 20, dtype=np.uint8) if allocate else None  # a memory test
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        context.progress(elapsed / seconds, f"waited {elapsed:.1f} of {seconds:g} s")
        time.sleep(STEP_SECONDS)
    with context.commit({"waited_seconds": round(time.monotonic() - started, 3)}):
        del held
