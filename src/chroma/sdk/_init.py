"""``chroma.init``: check the server, learn the space, return a :class:`Run`."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import numpy as np

from chroma.core.errors import InvalidInput, NotFound
from chroma.sdk._client import Client, RetryPolicy, resolve_token, resolve_url
from chroma.sdk._convert import Rows, encode_batch
from chroma.sdk._run import Run
from chroma.sdk._spool import default_spool_root

PATIENCE_S = 300.0
"""How long a run retries a batch while the server does not answer: a restart (seconds on
SQLite, a minute or more on a busy PostgreSQL) fits with room to spare."""
INGEST_MAX_BACKOFF_S = 5.0
"""The longest wait between tries of a batch: a server that is back is used within it."""


def _check_name(kind: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{kind} must be a non-empty string, got {value!r}", where=kind)
    return value


def init(
    project: str,
    dataset: str,
    space: str,
    url: str | None = None,
    *,
    model: str | None = None,
    layer: str | None = None,
    batch_size: int = 20_000,
    token: str | None = None,
    timeout: float = 60.0,
    max_attempts: int | None = None,
    backoff: float = 0.5,
    patience: float = PATIENCE_S,
    max_queued_batches: int = 4,
    max_in_flight: int = 2,
    spool: str | os.PathLike[str] | bool = True,
    max_spool_bytes: int = 4 << 30,
    transport: httpx.BaseTransport | None = None,
) -> Run:
    """Connect to a Chroma server and start logging into one dataset of one space.

    The project, dataset and space are created on the first batch if they do not exist.
    Checks at once that a server answers (within about three seconds) and, when the
    space exists, learns its dimension so wrong vectors are refused before sending.

    Args:
        project: Project name, e.g. ``"mnist"``.
        dataset: Dataset the logged rows belong to, e.g. ``"train"``.
        space: Embedding space the vectors live in, e.g. ``"resnet50-pool"``. All vectors
            of a space share one dimension.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        model: Model that made the vectors, recorded when the space is created.
        layer: Layer that made the vectors, recorded when the space is created.
        batch_size: Rows per request to the server. 20,000 rows of 384 floats are ~30 MB:
            big enough to amortise each commit, small enough for memory to be reused.
        token: Bearer token for servers started with one. Default: ``$CHROMA_TOKEN``,
            else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds any single network operation may stall before it fails (and is
            retried).
        max_attempts: Tries per batch on connection errors, timeouts and HTTP 502/503/504.
            Default: as many as ``patience`` allows (reads and other calls: 5).
        backoff: Seconds before the first retry; doubles on each further one (batches: up
            to 5 s apart).
        patience: Seconds a batch is retried while the server does not answer (counted
            from its first failure), so a server restart loses nothing. Then the run gives
            up: your next call raises :class:`ChromaConnectionError` naming every row not
            stored and the spool folder that keeps them.
        max_queued_batches: Encoded batches waiting in memory for the sender threads; when
            full, ``log`` blocks, which keeps memory bounded (while the server is away,
            further batches go to the spool instead).
        max_in_flight: Batches sent at once (threads). Two keep the server busy while the
            next batch travels; batches sharing a key are still sent in logging order.
        spool: Folder for batches waiting on disk while the server is away, and for those
            not stored when the run gives up (removed once stored). ``True``:
            ``$CHROMA_SPOOL_DIR``, else the user's cache folder (``~/.cache/chroma/spool``
            on Linux); ``False``: no spool (``log`` blocks while the server is away, and
            what is not stored when the run gives up is lost).
        max_spool_bytes: Bytes a run may spool while the server is away; beyond them
            ``log`` blocks.
        transport: An ``httpx`` transport to send through (proxies, tests).

    Returns:
        The :class:`Run`. Use it as a context manager, or call :meth:`Run.close`.

    Raises:
        ChromaConnectionError: No Chroma server answered at ``url``.
        Unauthorized: The server needs a token and got none, or a wrong one.
        InvalidInput: A name is empty or ``batch_size`` is not positive.

    Example:
        Start a server with ``chroma application run``, then::

            import numpy as np
            import chroma

            with chroma.init(project="demo", dataset="train", space="random-8") as run:
                ids = [f"row-{i}" for i in range(100)]  # stable keys: reruns update
                run.log(np.random.rand(100, 8), ids=ids, labels=[i % 3 for i in range(100)])
            print(run.vectors().vectors.shape)  # (100, 8)
    """
    project = _check_name("project", project)
    dataset = _check_name("dataset", dataset)
    space = _check_name("space", space)
    for name, value in (("batch_size", batch_size), ("max_in_flight", max_in_flight)):
        if not isinstance(value, int) or value < 1:
            raise InvalidInput(f"{name} must be a positive int, got {value!r}", where=name)
    if not isinstance(patience, int | float) or not patience >= 0:
        raise InvalidInput(f"patience must be seconds >= 0, got {patience!r}", where="patience")
    attempts = None if max_attempts is None else max(1, max_attempts)
    client = Client(
        resolve_url(url),
        token=resolve_token(token),
        timeout=timeout,
        retry=RetryPolicy(max_attempts=attempts or 5, backoff=backoff),
        transport=transport,
    )
    ingest_retry = RetryPolicy(
        max_attempts=attempts,
        backoff=backoff,
        max_backoff=INGEST_MAX_BACKOFF_S,
        patience=float(patience),
    )
    try:
        client.check_health()
        dimension = _space_dimension(client, project, space)
        # Run the encoder once now: its lazy imports (pyarrow loads pandas on first use) fail
        # at interpreter exit, when the atexit flush of a forgotten run may need them.
        encode_batch(Rows(keys=["warm-up"], vectors=np.zeros((1, 1), dtype=np.float32)))
    except BaseException:
        client.close()
        raise
    return Run(
        client,
        project=project,
        dataset=dataset,
        space=space,
        model=model,
        layer=layer,
        batch_size=batch_size,
        max_queued_batches=max_queued_batches,
        max_in_flight=max_in_flight,
        dimension=dimension,
        ingest_retry=ingest_retry,
        spool=_spool_root(spool),
        max_spool_bytes=max_spool_bytes,
    )


def _spool_root(spool: str | os.PathLike[str] | bool) -> Path | None:
    if spool is True:
        return default_spool_root()
    if spool is False:
        return None
    return Path(spool).expanduser()


def _space_dimension(client: Client, project: str, space: str) -> int | None:
    """The existing space's dimension, or None when the space does not exist yet."""
    try:
        info = client.request("GET", "/api/v1/space", params={"project": project, "space": space})
    except NotFound:
        return None
    return int(info.json()["dimension"])
