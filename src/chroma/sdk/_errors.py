"""The SDK's errors: the shared ones from :mod:`chroma.core.errors`, plus its own.

::

    ChromaError
     ├── InvalidInput            (bad input, found locally or by the server; nothing written)
     │    └── PayloadTooLarge    (HTTP 413)
     ├── NotFound                (HTTP 404: unknown project, dataset or space)
     ├── Conflict                (HTTP 409)
     ├── Unauthorized            (HTTP 401: missing or wrong token)
     ├── ChromaConnectionError   (no server answered, or retries ran out)
     └── ChromaJobError          (a background job did not succeed; ``.job`` is its last state)
          ├── ChromaJobFailed    (it failed: the message carries the job's error)
          ├── ChromaJobCancelled (someone cancelled it)
          └── ChromaJobTimeout   (still running when the wait's timeout ran out; also a
                                  TimeoutError)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import orjson

from chroma.core.errors import (
    ERRORS_BY_CODE,
    ChromaError,
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
)

if TYPE_CHECKING:
    from chroma.sdk._jobs import Job

__all__ = [
    "ChromaConnectionError",
    "ChromaError",
    "ChromaJobCancelled",
    "ChromaJobError",
    "ChromaJobFailed",
    "ChromaJobTimeout",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "Unauthorized",
    "UnsentBatch",
    "error_from_response",
]


@dataclass(frozen=True)
class UnsentBatch:
    """A batch of a run that the server never acknowledged.

    Attributes:
        first_row: Index of its first row in the run's logging order (from 0).
        rows: How many rows it holds.
        keys: Its rows' keys.
        file: Where it is saved (the exact request body, an Arrow IPC stream), or None when
            it was not saved; :func:`chroma.resend_spool` sends such files.
    """

    first_row: int
    rows: int
    keys: frozenset[str]
    file: Path | None = None


class ChromaConnectionError(ChromaError):
    """No Chroma server answered, or it kept failing until the retries ran out.

    Raised by a run whose sender gave up, it says what was not stored:

    Attributes:
        unsent: The batches the server never acknowledged, in logging order.
        spool: The folder that holds them, or None when they were not saved.
    """

    code = "connection"
    unsent: tuple[UnsentBatch, ...] = ()
    spool: Path | None = None


class Unauthorized(ChromaError):
    """The server wants a bearer token and got none, or a wrong one."""

    status_code = 401
    code = "unauthorized"


class ChromaJobError(ChromaError):
    """A background job (a projection, an index build) did not succeed, or not in time.

    Attributes:
        job: The job as last seen (``.id``, ``.state``, ``.error``, ``.message``, ...).
    """

    code = "job"

    def __init__(self, message: str, *, job: Job | None = None, where: str | None = "job") -> None:
        super().__init__(message, where=where)
        self.job = job


class ChromaJobFailed(ChromaJobError):
    """The job failed; the message carries its error (``job.error``)."""

    code = "job_failed"


class ChromaJobCancelled(ChromaJobError):
    """The job was cancelled (``chroma.cancel_job``, the UI, or another client)."""

    code = "job_cancelled"


class ChromaJobTimeout(ChromaJobError, TimeoutError):
    """The wait's ``timeout`` ran out; the job goes on running on the server."""

    code = "job_timeout"


_SDK_ERRORS: dict[str, type[ChromaError]] = {
    **ERRORS_BY_CODE,
    Unauthorized.code: Unauthorized,
}


def error_from_response(response: httpx.Response) -> ChromaError:
    """The error a non-2xx answer stands for, keeping the server's message and ``where``.

    The body must already be read (call ``response.read()`` on streamed responses).
    """
    status = response.status_code
    try:
        detail = orjson.loads(response.content)["error"]
        code, message, where = detail["code"], detail["message"], detail.get("where")
    except (orjson.JSONDecodeError, KeyError, TypeError):
        text = response.text.strip()[:500] or response.reason_phrase
        return ChromaError(f"the server answered HTTP {status}: {text}")
    cls = _SDK_ERRORS.get(code)
    if cls is None:
        cls = NotFound if status == 404 else InvalidInput if 400 <= status < 500 else ChromaError
    error = cls(str(message), where=None if where is None else str(where))
    if cls is Unauthorized:
        error.add_note("Pass token=... to chroma.init or set CHROMA_TOKEN (or CHROMA_AUTH_TOKEN).")
    return error
