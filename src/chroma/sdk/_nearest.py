"""Nearest neighbours from the SDK: the ``neighbors`` GraphQL query as a DataFrame."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chroma.core.errors import InvalidInput
from chroma.sdk._client import Client, Endpoint
from chroma.sdk._graphql import graphql

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "nearest"]

COLUMNS = ("key", "dataset", "label", "prediction", "distance", "id")

_NEIGHBORS = """
query ($project: String!, $space: String!, $datapointId: ID, $key: String, $dataset: String,
       $vector: [Float!], $k: Int!, $filter: DatapointFilter) {
  neighbors(project: $project, space: $space, datapointId: $datapointId, key: $key,
            dataset: $dataset, vector: $vector, k: $k, filter: $filter) {
    distance
    datapoint { id key label prediction dataset { name } }
  }
}
"""


def _strings(value: Any, where: str) -> list[str] | None:
    """A name or several, as strings (``labels=[3]`` means the label ``"3"``, as logged)."""
    if value is None:
        return None
    if isinstance(value, str | int):
        return [str(value)]
    try:
        return [str(v) for v in value]
    except TypeError:
        raise InvalidInput(f"{where} must be a name or a list of names", where=where) from None


def _vector(vector: Any, dimension: int | None) -> list[float]:
    try:
        array = np.asarray(vector, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInput("vector must be a list of numbers", where="vector") from None
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1 or array.size == 0:
        raise InvalidInput(
            f"vector must be one vector (1-D), got shape {array.shape}", where="vector"
        )
    if dimension is not None and array.size != dimension:
        raise InvalidInput(
            f"vector has {array.size} numbers; the space's vectors have {dimension}",
            where="vector",
        )
    if not np.isfinite(array).all():
        raise InvalidInput("vector holds NaN or infinity", where="vector")
    return [float(v) for v in array.astype(np.float32)]


def query_nearest(
    client: Client,
    *,
    project: str,
    space: str,
    key: str | None = None,
    dataset: str | None = None,
    datapoint_id: int | None = None,
    vector: Any = None,
    dimension: int | None = None,
    k: int = 10,
    datasets: str | Sequence[str] | None = None,
    labels: Any = None,
    tags: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    import pandas as pd

    given = [
        name
        for name, value in (("key", key), ("datapoint_id", datapoint_id), ("vector", vector))
        if value is not None
    ]
    if len(given) != 1:
        raise InvalidInput(
            "give exactly one of key, datapoint_id or vector"
            + (f"; got {' and '.join(given)}" if given else ""),
            where=given[-1] if given else "key",
        )
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise InvalidInput(f"k must be an int, got {k!r}", where="k")
    where = {
        "datasets": _strings(datasets, "datasets"),
        "labels": _strings(labels, "labels"),
        "tags": _strings(tags, "tags"),
    }
    answer = graphql(
        client,
        _NEIGHBORS,
        project=project,
        space=space,
        key=None if key is None else str(key),
        dataset=dataset if key is not None else None,
        datapointId=None if datapoint_id is None else str(int(datapoint_id)),
        vector=None if vector is None else _vector(vector, dimension),
        k=int(k),
        filter={name: value for name, value in where.items() if value is not None} or None,
    )
    rows = [
        {
            "key": hit["datapoint"]["key"],
            "dataset": hit["datapoint"]["dataset"]["name"],
            "label": hit["datapoint"]["label"],
            "prediction": hit["datapoint"]["prediction"],
            "distance": float(hit["distance"]),
            "id": int(hit["datapoint"]["id"]),
        }
        for hit in answer["neighbors"]
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"distance": "float64", "id": "int64"})


def nearest(
    project: str,
    space: str,
    key: str | None = None,
    vector: Any = None,
    *,
    dataset: str | None = None,
    datapoint_id: int | None = None,
    k: int = 10,
    datasets: str | Sequence[str] | None = None,
    labels: Any = None,
    tags: str | Sequence[str] | None = None,
    url: str | None = None,
    token: str | None = None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """The ``k`` datapoints of a space nearest to a datapoint or a vector, nearest first.

    Exact while the space (or the filtered set) is small; from the space's neighbour index
    (:meth:`Run.build_index`) beyond.

    Args:
        project: Project name.
        space: Space name.
        key: The client key (an ``ids`` value given to ``log``) of the datapoint to start
            from, in ``dataset``. The datapoint itself is left out of the answer.
        vector: A query vector of the space's dimension instead.
        dataset: The dataset ``key`` belongs to (required with ``key``).
        datapoint_id: A server datapoint id instead of ``key`` (e.g. from ``points()``).
        k: How many neighbours, 1 to 1000.
        datasets: Only datapoints of these datasets.
        labels: Only datapoints with one of these labels.
        tags: Only datapoints carrying one of these tags.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds a network operation may stall before it fails.

    Returns:
        A DataFrame with the columns ``key``, ``dataset``, ``label``, ``prediction``,
        ``distance`` (1 - cosine similarity for cosine spaces) and ``id``; fewer than ``k``
        rows when fewer datapoints pass the filters.

    Raises:
        InvalidInput: Not exactly one of key / datapoint_id / vector, a vector of the wrong
            length, ``k`` out of range.
        NotFound: Unknown project, space, dataset or key.

    Example::

        chroma.nearest("demo", "encoder-v1", key="img-3", dataset="train", k=5)
    """
    with Endpoint.resolve(url, token, timeout).client() as client:
        return query_nearest(
            client,
            project=project,
            space=space,
            key=key,
            dataset=dataset,
            datapoint_id=datapoint_id,
            vector=vector,
            k=k,
            datasets=datasets,
            labels=labels,
            tags=tags,
        )
