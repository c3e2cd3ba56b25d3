"""Errors shared by the server and the SDK.

::

    ChromaError
     ├── InvalidInput        (HTTP 400/422: the request is wrong; nothing was written)
     │    ├── PayloadTooLarge (HTTP 413)
     │    └── UnsupportedMedia (HTTP 415: a resource that is not an image we can read, ...)
     ├── NotFound            (HTTP 404: an unknown project, dataset, space, ...)
     ├── Forbidden           (HTTP 403: a file outside the allowed image roots)
     ├── Conflict            (HTTP 409: a name already taken, a dimension already fixed)
     ├── UpstreamFailed      (HTTP 502: a resource URL the server fetched did not answer well)
     └── StorageUnavailable  (HTTP 503: the artifact store lacks a file or does not answer)

Every error carries a ``where``: which column, row, field or argument is at fault.
"""

from __future__ import annotations


class ChromaError(Exception):
    """The base of every Chroma error: a ``message`` and ``where`` it applies, if anywhere.

    Attributes:
        message: what went wrong, in a sentence.
        where: the column, row, field or argument at fault (``"embeddings[3]"``), or None.
        code: the error's name on the wire (``"invalid_input"``), as in ``to_dict()``.
        status_code: the HTTP status the server answers it with.
    """

    status_code = 500
    code = "internal"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.message} (at {self.where})" if self.where else self.message

    def to_dict(self) -> dict[str, str | None]:
        """The error as the server sends it: ``{"code", "message", "where"}``."""
        return {"code": self.code, "message": self.message, "where": self.where}


class InvalidInput(ChromaError):
    """The request is wrong (a bad argument, value, column or row); nothing was written."""

    status_code = 422
    code = "invalid_input"


class PayloadTooLarge(InvalidInput):
    """The request is over one of the server's size limits (HTTP 413): send less at once."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMedia(InvalidInput):
    status_code = 415
    code = "unsupported_media"


class NotFound(ChromaError):
    """An unknown project, dataset, space or other object (HTTP 404)."""

    status_code = 404
    code = "not_found"


class Conflict(ChromaError):
    """The request clashes with what exists: a name already taken, a dimension already
    fixed, a job already finished (HTTP 409)."""

    status_code = 409
    code = "conflict"


class Forbidden(ChromaError):
    status_code = 403
    code = "forbidden"


class UpstreamFailed(ChromaError):
    status_code = 502
    code = "upstream_failed"


class StorageUnavailable(ChromaError):
    status_code = 503
    code = "storage_unavailable"


ERRORS_BY_CODE: dict[str, type[ChromaError]] = {
    cls.code: cls
    for cls in (
        ChromaError,
        InvalidInput,
        PayloadTooLarge,
        UnsupportedMedia,
        NotFound,
        Forbidden,
        Conflict,
        UpstreamFailed,
        StorageUnavailable,
    )
}
