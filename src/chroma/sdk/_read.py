"""Reading back: vectors streamed into one preallocated matrix, datapoints as a DataFrame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from http.client import HTTPException
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa

from chroma.core import wire
from chroma.sdk._client import Body, Client, RetryPolicy, resolve_token, resolve_url
from chroma.sdk._errors import ChromaConnectionError, ChromaError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Vectors", "read_datapoints", "read_vectors"]


@dataclass(frozen=True)
class Vectors:
    """Vectors read back from a space, row ``i`` of every field describing one datapoint.

    Attributes:
        vectors: ``(n, dim)`` float32 matrix, exactly the values logged.
        keys: each row's client key (the ``ids`` given to ``log``, or the generated ones);
            ``None`` when read with ``keys=False``.
        datasets: each row's dataset name (object array of str).
        datapoint_ids: each row's server-side datapoint id (int64).
    """

    vectors: npt.NDArray[np.float32]
    keys: list[str] | None
    datasets: npt.NDArray[np.object_]
    datapoint_ids: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dimension(self) -> int:
        """The length of each vector: the space's dimension."""
        return int(self.vectors.shape[1])


def _dataset_params(dataset: str | Sequence[str] | None) -> list[str] | None:
    if dataset is None:
        return None
    return [dataset] if isinstance(dataset, str) else list(dataset)


def fetch_vectors(
    client: Client,
    *,
    project: str,
    space: str,
    datasets: str | Sequence[str] | None = None,
    keys: bool = True,
) -> Vectors:
    params = {
        "project": project,
        "space": space,
        "dataset": _dataset_params(datasets),
        "keys": keys,
        # Without keys every column is numeric: raw arrays land straight in their matrices.
        "format": "arrow" if keys else "raw",
    }
    try:
        with client.download("/api/v1/vectors", params=params) as response:
            rows = int(response.getheader("x-chroma-rows", "0"))
            if keys:
                return _fill(pa.ipc.open_stream(response), rows, keys)
            return _fill_raw(response, rows)
    except (OSError, HTTPException, pa.ArrowInvalid) as exc:
        raise ChromaConnectionError(
            f"reading vectors from {client.url} broke off: {exc!r}", where="url"
        ) from exc


def _fill_raw(response: Body, rows: int) -> Vectors:
    """Read the raw body (vectors, datapoint ids, dataset ids) directly into its arrays."""
    dimension = int(response.getheader("x-chroma-dimension", "0"))
    names = orjson.loads(unquote(response.getheader("x-chroma-datasets", "{}")))
    vectors = np.empty((rows, dimension), dtype="<f4")
    ids = np.empty(rows, dtype="<i8")
    dataset_ids = np.empty(rows, dtype="<i8")
    for array in (vectors, ids, dataset_ids):
        _read_into(response, array)
    found, inverse = np.unique(dataset_ids, return_inverse=True)
    lookup = np.array([names[str(i)] for i in found.tolist()], dtype=object)
    return Vectors(
        vectors=vectors.astype(np.float32, copy=False),
        keys=None,
        datasets=lookup[inverse] if rows else np.empty(0, dtype=object),
        datapoint_ids=ids.astype(np.int64, copy=False),
    )


def _read_into(response: Body, array: npt.NDArray[Any]) -> None:
    view = array.data.cast("B")
    while view:
        read = response.readinto(view)
        if not read:
            raise ChromaError(f"the server's answer ended {len(view)} bytes early")
        view = view[read:]


def _fill(reader: pa.ipc.RecordBatchStreamReader, rows: int, with_keys: bool) -> Vectors:
    dimension = reader.schema.field(wire.VECTOR).type.list_size
    vectors = np.empty((rows, dimension), dtype=np.float32)
    ids = np.empty(rows, dtype=np.int64)
    key_parts: list[pa.Array] = []
    dataset_parts: list[pa.Array] = []
    filled = 0
    for batch in reader:
        count = batch.num_rows
        if filled + count > rows:
            raise ChromaError(f"the server sent more than the {rows} rows it announced")
        flat = batch.column(wire.VECTOR).flatten().to_numpy()
        vectors[filled : filled + count] = flat.reshape(count, dimension)
        ids[filled : filled + count] = batch.column("datapoint_id").to_numpy()
        dataset_parts.append(batch.column("dataset"))
        if with_keys:
            key_parts.append(batch.column(wire.KEY))
        filled += count
    if filled != rows:
        raise ChromaError(f"the server announced {rows} rows but sent {filled}")
    datasets = pa.chunked_array(dataset_parts, pa.string()).to_numpy()
    keys = pa.chunked_array(key_parts, pa.string()).to_pylist() if with_keys else None
    return Vectors(vectors=vectors, keys=keys, datasets=datasets, datapoint_ids=ids)


def fetch_datapoints_table(
    client: Client, *, project: str, datasets: str | Sequence[str] | None = None
) -> pa.Table:
    params = {"project": project, "dataset": _dataset_params(datasets)}
    response = client.request("GET", "/api/v1/datapoints", params=params)
    return pa.ipc.open_stream(pa.py_buffer(response.content)).read_all()


def datapoints_frame(table: pa.Table) -> pd.DataFrame:
    """The table as a DataFrame: ``metadata`` a dict per row (or None), ``tags`` a list."""
    frame: pd.DataFrame = table.to_pandas()
    if "metadata" in frame.columns:
        frame["metadata"] = [_parse_json(text) for text in table.column("metadata").to_pylist()]
    if "tags" in frame.columns:
        frame["tags"] = table.column("tags").to_pylist()
    return frame


def _parse_json(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _client(url: str | None, token: str | None, timeout: float) -> Client:
    return Client(
        resolve_url(url),
        token=resolve_token(token),
        timeout=timeout,
        retry=RetryPolicy(max_attempts=3, backoff=0.25),
    )


def read_vectors(
    project: str,
    space: str,
    *,
    datasets: str | Sequence[str] | None = None,
    keys: bool = True,
    url: str | None = None,
    token: str | None = None,
    timeout: float = 60.0,
) -> Vectors:
    """Read the vectors of a space, across datasets, without starting a run.

    Args:
        project: Project name.
        space: Space name.
        datasets: A dataset name or several. Default: every dataset of the project.
        keys: Also read each row's client key.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds a network operation may stall before it fails.

    Returns:
        A :class:`Vectors` (``.vectors``, ``.keys``, ``.datasets``, ``.datapoint_ids``).

    Raises:
        NotFound: Unknown project, space or dataset.
        ChromaConnectionError: No server answered.

    Example::

        v = chroma.read_vectors("demo", "random-8")
        v.vectors.shape  # (n, 8)
    """
    client = _client(url, token, timeout)
    try:
        return fetch_vectors(client, project=project, space=space, datasets=datasets, keys=keys)
    finally:
        client.close()


def read_datapoints(
    project: str,
    *,
    datasets: str | Sequence[str] | None = None,
    url: str | None = None,
    token: str | None = None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """Read the datapoints of a project as a DataFrame, without starting a run.

    Columns as for :meth:`Run.datapoints`; ``metadata`` holds a dict per row.

    Args:
        project: Project name.
        datasets: A dataset name or several. Default: every dataset of the project.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds a network operation may stall before it fails.

    Raises:
        NotFound: Unknown project or dataset.
        ChromaConnectionError: No server answered.
    """
    client = _client(url, token, timeout)
    try:
        table = fetch_datapoints_table(client, project=project, datasets=datasets)
    finally:
        client.close()
    return datapoints_frame(table)
