"""What the SDK's handles on job-computed server objects share (maps, analyses): a snapshot
that :meth:`Computed.refresh` reads again and :meth:`Computed.wait` follows to the end of its
job, name lists checked before sending, and Arrow reads that say what broke off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http.client import HTTPException
from typing import Any, ClassVar, Self

import pyarrow as pa

from chroma.core.errors import InvalidInput
from chroma.sdk._client import Client, Endpoint, Params
from chroma.sdk._errors import ChromaConnectionError
from chroma.sdk._graphql import graphql
from chroma.sdk._jobs import Job
from chroma.sdk._jobs import wait as wait_for


def names(value: str | Sequence[str] | None, where: str) -> list[str] | None:
    """One name or a list of names, checked locally; None stays None."""
    if value is None:
        return None
    found = [value] if isinstance(value, str) else list(value)
    for i, name in enumerate(found):
        if not isinstance(name, str):
            raise InvalidInput(f"{where} must be names (str), got {name!r}", where=f"{where}[{i}]")
    return found


def read_arrow(client: Client, path: str, params: Params, what: str) -> pa.Table:
    """A whole Arrow IPC stream from ``path``; a transfer that breaks off names ``what``."""
    try:
        with client.download(path, params=params) as response:
            return pa.ipc.open_stream(response).read_all()
    except (OSError, HTTPException, pa.ArrowInvalid) as exc:
        raise ChromaConnectionError(
            f"reading {what} from {client.url} broke off: {exc!r}", where="url"
        ) from exc


class Computed:
    """Base of :class:`~chroma.Projection` and :class:`~chroma.Analysis`.

    Subclasses name the GraphQL query that reads them by ``$id`` (``_GET``), the answer's
    field (``_FIELD``), and turn an answer into attributes (``_update``).
    """

    _GET: ClassVar[str]
    _FIELD: ClassVar[str]
    id: int
    state: str
    job: Job | None

    def __init__(self, endpoint: Endpoint, data: Mapping[str, Any]) -> None:
        self._endpoint = endpoint
        self._update(data)

    def _update(self, data: Mapping[str, Any]) -> None:
        raise NotImplementedError

    @property
    def ready(self) -> bool:
        """Whether a result exists to read (also while it is being recomputed)."""
        return self.state == "ready"

    def refresh(self) -> Self:
        """Read the state again from the server; returns ``self``.

        Raises:
            NotFound: It was deleted.
        """
        with self._endpoint.client() as client:
            self._update(graphql(client, self._GET, id=str(self.id))[self._FIELD])
        return self

    def wait(self, *, progress: bool = True, timeout: float | None = None) -> Self:
        """Wait for the computation to end (progress bar on stderr); returns ``self``.

        Args:
            progress: Show a tqdm progress bar with the job's message.
            timeout: Seconds to wait at most. Default: as long as it takes.

        Raises:
            ChromaJobFailed: The computation failed (a previous result, if any, stays).
            ChromaJobCancelled: It was cancelled.
            ChromaJobTimeout: ``timeout`` ran out first (the job goes on running).
        """
        with self._endpoint.client() as client:
            if self.job is not None:
                wait_for(client, self.job.id, progress=progress, timeout=timeout)
            self._update(graphql(client, self._GET, id=str(self.id))[self._FIELD])
        return self
