"""Background jobs seen from the SDK: read one, wait for it (with a progress bar), cancel it.

The server runs projections and index builds as jobs; the SDK polls ``job(id)`` over
GraphQL until the job is over, showing its progress and message in a tqdm bar.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tqdm import tqdm

from chroma.core.errors import InvalidInput
from chroma.sdk._client import Client, Endpoint
from chroma.sdk._errors import ChromaJobCancelled, ChromaJobFailed, ChromaJobTimeout
from chroma.sdk._graphql import graphql

__all__ = ["Job", "cancel_job", "get_job", "wait_for_job"]

JOB_FIELDS = (
    "id kind state progress message error result attempts maxAttempts cancelRequested "
    "createdAt startedAt finishedAt"
)
FINISHED = ("succeeded", "failed", "cancelled")
FIRST_POLL_S = 0.2
MAX_POLL_S = 1.0

_GET = f"query ($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
_CANCEL = f"mutation ($id: ID!) {{ cancelJob(id: $id) {{ {JOB_FIELDS} }} }}"


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


@dataclass(frozen=True)
class Job:
    """A background job as last read from the server (a snapshot: it does not update).

    Attributes:
        id: The job's id (pass it to :func:`chroma.wait_for_job` / :func:`chroma.cancel_job`).
        kind: What it does: ``"projection.compute"``, ``"neighbours.build"``, ...
        state: ``"queued"``, ``"running"``, ``"succeeded"``, ``"failed"`` or ``"cancelled"``.
        progress: From 0 to 1.
        message: What it was doing, for people.
        error: Why it failed (failed jobs only).
        result: What it produced (a dict), once it succeeded.
        attempts: Times a worker started it.
        max_attempts: Attempts allowed before a job whose worker died is failed.
        cancel_requested: A cancel was asked for while it ran.
        created_at: When it was queued (UTC).
        started_at: When its last attempt started.
        finished_at: When it ended.
    """

    id: int
    kind: str
    state: str
    progress: float
    message: str | None
    error: str | None
    result: dict[str, Any] | None
    attempts: int
    max_attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        """Whether it is over (succeeded, failed or cancelled)."""
        return self.state in FINISHED

    @property
    def succeeded(self) -> bool:
        """Whether it finished successfully (state ``"succeeded"``)."""
        return self.state == "succeeded"

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Job:
        """From the GraphQL fields of :data:`JOB_FIELDS`."""
        created = moment(data["createdAt"])
        assert created is not None
        return cls(
            id=int(data["id"]),
            kind=str(data["kind"]),
            state=str(data["state"]).lower(),
            progress=float(data["progress"]),
            message=data.get("message"),
            error=data.get("error"),
            result=data.get("result"),
            attempts=int(data["attempts"]),
            max_attempts=int(data["maxAttempts"]),
            cancel_requested=bool(data["cancelRequested"]),
            created_at=created,
            started_at=moment(data.get("startedAt")),
            finished_at=moment(data.get("finishedAt")),
        )


JobLike = int | str | Job


def job_id_of(job: JobLike) -> int:
    if isinstance(job, Job):
        return job.id
    if isinstance(job, bool) or not isinstance(job, int | str):
        raise InvalidInput(f"a job id must be an int (or a chroma.Job), not {job!r}", where="job")
    try:
        return int(job)
    except ValueError:
        raise InvalidInput(f"{job!r} is not a job id", where="job") from None


def fetch_job(client: Client, job: JobLike) -> Job:
    return Job.of(graphql(client, _GET, id=str(job_id_of(job)))["job"])


def request_cancel(client: Client, job: JobLike) -> Job:
    return Job.of(graphql(client, _CANCEL, id=str(job_id_of(job)))["cancelJob"])


def wait(
    client: Client, job: JobLike, *, progress: bool = True, timeout: float | None = None
) -> Job:
    """Poll until the job is over; raise unless it succeeded."""
    job_id = job_id_of(job)
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    current = fetch_job(client, job_id)
    bar = tqdm(
        total=1.0,
        desc=f"{current.kind} #{job_id}",
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}{postfix}",
        disable=not progress,
    )
    interval = FIRST_POLL_S
    try:
        while True:
            bar.n = 1.0 if current.succeeded else current.progress
            bar.set_postfix_str(current.message or current.state, refresh=False)
            bar.refresh()
            if current.finished:
                break
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise ChromaJobTimeout(
                    f"{current.kind} job {job_id} is still {current.state} "
                    f"({current.progress:.0%}) after {timeout:g} s; it goes on running on the "
                    f"server: wait again with chroma.wait_for_job({job_id}), or stop it with "
                    f"chroma.cancel_job({job_id})",
                    job=current,
                )
            time.sleep(interval if deadline is None else max(0.0, min(interval, deadline - now)))
            interval = min(interval * 1.5, MAX_POLL_S)
            current = fetch_job(client, job_id)
    except KeyboardInterrupt as exc:
        exc.add_note(
            f"chroma: job {job_id} goes on running on the server; "
            f"chroma.cancel_job({job_id}) stops it"
        )
        raise
    finally:
        bar.close()
    return _outcome(current)


def _outcome(job: Job) -> Job:
    if job.state == "failed":
        raise ChromaJobFailed(f"{job.kind} job {job.id} failed: {job.error}", job=job)
    if job.state == "cancelled":
        raise ChromaJobCancelled(f"{job.kind} job {job.id} was cancelled", job=job)
    return job


def get_job(
    job: JobLike, *, url: str | None = None, token: str | None = None, timeout: float = 60.0
) -> Job:
    """Read a job's state once (no waiting).

    Args:
        job: A job id, or a :class:`Job`.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds a network operation may stall before it fails.

    Returns:
        The :class:`Job` as it is now.

    Raises:
        NotFound: No job with this id.

    Example::

        job = chroma.get_job(12)
        print(job.state, f"{job.progress:.0%}", job.message)
    """
    with Endpoint.resolve(url, token, timeout).client() as client:
        return fetch_job(client, job)


def wait_for_job(
    job: JobLike,
    *,
    url: str | None = None,
    token: str | None = None,
    progress: bool = True,
    timeout: float | None = None,
) -> Job:
    """Wait until a job is over, showing its progress and message in a progress bar.

    Args:
        job: A job id, or a :class:`Job` (e.g. from ``run.build_index(wait=False)``).
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        progress: Show a tqdm progress bar (on stderr).
        timeout: Seconds to wait at most. Default: as long as it takes.

    Returns:
        The succeeded :class:`Job` (its ``result`` says what it produced).

    Raises:
        ChromaJobFailed: The job failed; the message carries the job's error.
        ChromaJobCancelled: The job was cancelled.
        ChromaJobTimeout: ``timeout`` ran out first (the job goes on running).
        NotFound: No job with this id.

    Example::

        job = run.build_index(wait=False)
        chroma.wait_for_job(job.id, timeout=600).result  # {"indexed": 1000, "graph_k": 15}
    """
    with Endpoint.resolve(url, token).client() as client:
        return wait(client, job, progress=progress, timeout=timeout)


def cancel_job(
    job: JobLike, *, url: str | None = None, token: str | None = None, timeout: float = 60.0
) -> Job:
    """Cancel a job: a queued one at once, a running one at its next progress report.

    A cancelled computation writes nothing: a map being recomputed keeps its previous
    points.

    Args:
        job: A job id, or a :class:`Job`.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds a network operation may stall before it fails.

    Returns:
        The :class:`Job`: ``state == "cancelled"``, or ``cancel_requested`` while it stops.

    Raises:
        Conflict: The job is already over.
        NotFound: No job with this id.

    Example::

        projection = run.create_projection("umap", wait=False)
        chroma.cancel_job(projection.job.id)
    """
    with Endpoint.resolve(url, token, timeout).client() as client:
        return request_cancel(client, job)
