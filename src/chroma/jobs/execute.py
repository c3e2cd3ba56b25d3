"""Run one job by id, whatever runner delivered it: claim, run its handler, record the end.

The same function runs in the in-process runner's child process and in a Celery worker.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

from chroma.core.errors import ChromaError
from chroma.jobs.context import JobCancelled, JobContext
from chroma.jobs.handlers import HANDLERS
from chroma.jobs.limits import describe
from chroma.services import jobs as job_service
from chroma.services.jobs import JobKind
from chroma.services.store import Store

log = logging.getLogger("chroma.jobs")


def worker_name() -> str:
    """What the job table's ``worker`` column says while this process runs a job."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_gone(worker: str) -> bool:
    """Whether ``worker`` (a :func:`worker_name`) names a process of this machine that has
    ended (or is a zombie nobody reaped). False when unsure: another machine, or a pid that
    a live process has taken since (the heartbeat timeout then decides).

    A host name is taken to name one machine: processes that share a host name but not a
    pid namespace (containers with ``--uts=host``) look gone to each other, which is why
    the reaper also asks for a missed heartbeat (``reap_lost_jobs``' ``quiet_for``).
    """
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) <= 1:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """Linux: a killed job process whose parent died waits as a zombie until init reaps it
    (which a container's init may never do)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _kind(name: str) -> JobKind:
    try:
        return JobKind(name)
    except ValueError:
        raise ChromaError(f"unknown job kind {name!r}", where="job.kind") from None


def execute_job(
    store: Store, job_id: int, *, dispatch: Callable[[int], None] | None = None
) -> str | None:
    """Run the job if it can be claimed; return its final state (None: not ours to run)."""
    attempt = job_service.claim(store, job_id, worker_name())
    if attempt is None:
        return None
    with store.read() as session:
        job = job_service.get_job(session, job_id)
    context = JobContext(store, job_id, attempt)
    context.start_heartbeat()
    log.info("job %s (%s) started, attempt %s", job_id, job.kind, attempt)
    out_of_memory: str | None = None
    try:
        handler = HANDLERS[_kind(job.kind)]
        handler(context, job)
        if not context.committed:
            with context.commit():
                pass
    except JobCancelled:
        job_service.end(store, job_id, attempt, job_service.CANCELLED)
        log.info("job %s cancelled", job_id)
        return job_service.CANCELLED
    except ChromaError as exc:
        job_service.end(store, job_id, attempt, job_service.FAILED, str(exc))
        log.warning("job %s failed: %s", job_id, exc)
        return job_service.FAILED
    except MemoryError as exc:
        # Recorded once the except block has let go of the failed frames and their arrays.
        out_of_memory = describe(exc)
    except Exception as exc:
        log.exception("job %s crashed", job_id)
        job_service.end(store, job_id, attempt, job_service.FAILED, f"{type(exc).__name__}: {exc}")
        return job_service.FAILED
    finally:
        context.stop_heartbeat()
    if out_of_memory is not None:
        log.warning("job %s failed: %s", job_id, out_of_memory)
        job_service.end(store, job_id, attempt, job_service.FAILED, out_of_memory)
        return job_service.FAILED
    log.info("job %s succeeded", job_id)
    if dispatch is not None:
        for followup in context.followups:
            dispatch(followup)
    return job_service.SUCCEEDED
