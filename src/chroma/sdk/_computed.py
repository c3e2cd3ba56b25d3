"""What the SDK's handles on job-computed server results share (maps, analyses): a snapshot
that :meth:`Computed.refresh` reads again, :meth:`Computed.wait` follows to the end of its
job, :meth:`Computed.recompute` and :meth:`Computed.delete` act on; name lists checked
before sending, and Arrow reads that say what broke off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from http.client import HTTPException
from typing import Any, ClassVar, Self

import pyarrow as pa

from chroma.core.errors import InvalidInput, NotFound
from chroma.sdk._client import Client, Endpoint, Params
from chroma.sdk._errors import ChromaConnectionError
from chroma.sdk._graphql import graphql
from chroma.sdk._jobs import JOB_FIELDS, Job, moment
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
    """Base of :class:`~chroma.Projection` and :class:`~chroma.Analysis`: a result a server
    job computes over a space.

    A subclass names its GraphQL type (``_TYPE``, e.g. ``"Projection"``), its list field
    on a space (``_PLURAL``) and its own fields (``_OWN_FIELDS``), and reads them in
    ``_update_own``; the base reads the shared
    fields and owns the lifecycle: :meth:`refresh`, :meth:`wait`, :meth:`recompute`,
    :meth:`delete`, reading one by id and listing a space's.
    """

    _TYPE: ClassVar[str]
    """The GraphQL type (``Projection``); its query field and mutations follow from it."""
    _PLURAL: ClassVar[str]
    """The field of ``Space`` that lists them (``projections``)."""
    _OWN_FIELDS: ClassVar[str]
    _SHARED_FIELDS: ClassVar[str] = (
        "id state error params createdAt computedAt datasets { name } space { name } "
        f"job {{ {JOB_FIELDS} }}"
    )

    id: int
    space: str | None
    params: dict[str, Any]
    datasets: list[str] | None
    state: str
    error: str | None
    created_at: datetime
    computed_at: datetime | None
    job: Job | None

    def __init__(self, endpoint: Endpoint, data: Mapping[str, Any]) -> None:
        self._endpoint = endpoint
        self._update(data)

    # ---- the GraphQL documents, made from the type's name --------------------------------

    @classmethod
    def fields(cls) -> str:
        """What a query selects of this kind."""
        return f"{cls._SHARED_FIELDS} {cls._OWN_FIELDS}"

    @classmethod
    def _field(cls) -> str:
        return cls._TYPE[0].lower() + cls._TYPE[1:]

    @classmethod
    def get(cls, client: Client, result_id: int) -> Self:
        """Read one by id.

        Raises:
            NotFound: None with this id.
        """
        return cls(Endpoint.of(client), cls._read(client, int(result_id)))

    @classmethod
    def _read(cls, client: Client, result_id: int) -> Mapping[str, Any]:
        query = f"query ($id: ID!) {{ {cls._field()}(id: $id) {{ {cls.fields()} }} }}"
        data: Mapping[str, Any] = graphql(client, query, id=str(result_id))[cls._field()]
        return data

    @classmethod
    def of_space(cls, client: Client, project: str, space: str) -> list[Self]:
        """The space's results of this kind, oldest first.

        Raises:
            NotFound: Unknown project or space.
        """
        plural = cls._PLURAL
        query = (
            f"query ($project: String!) {{ project(name: $project) {{ "
            f"spaces {{ name {plural} {{ {cls.fields()} }} }} }} }}"
        )
        for found in graphql(client, query, project=project)["project"]["spaces"]:
            if found["name"] == space:
                endpoint = Endpoint.of(client)
                return [cls(endpoint, data) for data in found[plural]]
        raise NotFound(f"no space named {space!r} in project {project!r}", where="space")

    # ---- state ---------------------------------------------------------------------------

    def _update(self, data: Mapping[str, Any]) -> None:
        created = moment(data["createdAt"])
        assert created is not None
        self.id = int(data["id"])
        self.space = (data.get("space") or {}).get("name")
        self.params = dict(data["params"] or {})
        datasets = data.get("datasets")
        self.datasets = None if datasets is None else [d["name"] for d in datasets]
        self.state = str(data["state"]).lower()
        self.error = data.get("error")
        self.created_at = created
        self.computed_at = moment(data.get("computedAt"))
        self.job = Job.of(data["job"]) if data.get("job") else None
        self._update_own(data)

    def _update_own(self, data: Mapping[str, Any]) -> None:
        raise NotImplementedError

    @property
    def ready(self) -> bool:
        """Whether a result exists to read (also while it is being recomputed)."""
        return self.state == "ready"

    # ---- lifecycle -----------------------------------------------------------------------

    def refresh(self) -> Self:
        """Read the state again from the server; returns ``self``.

        Raises:
            NotFound: It was deleted.
        """
        with self._endpoint.client() as client:
            self._update(self._read(client, self.id))
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
            self._update(self._read(client, self.id))
        return self

    def recompute(
        self, *, wait: bool = True, progress: bool = True, timeout: float | None = None
    ) -> Self:
        """Compute it again from the space's current vectors; returns ``self``.

        The old result stays readable until the new one is ready.

        Args:
            wait: Wait for the computation (else return once it is queued).
            progress: Show a progress bar while waiting.
            timeout: Seconds to wait at most.

        Raises:
            InvalidInput: The space no longer suits its parameters (too few points, ...).
            ChromaJobFailed: The computation failed.
        """
        mutation = f"recompute{self._TYPE}"
        document = f"mutation ($id: ID!) {{ {mutation}(id: $id) {{ {self.fields()} }} }}"
        with self._endpoint.client() as client:
            self._update(graphql(client, document, id=str(self.id))[mutation])
        return self.wait(progress=progress, timeout=timeout) if wait else self

    def delete(self) -> None:
        """Delete it with its stored results (a computation still running is cancelled)."""
        mutation = f"delete{self._TYPE}"
        with self._endpoint.client() as client:
            graphql(
                client, f"mutation ($id: ID!) {{ {mutation}(id: $id) {{ id }} }}", id=str(self.id)
            )
