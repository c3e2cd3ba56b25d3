"""Nearest neighbours: an HNSW index (hnswlib) and exact search, over numpy arrays.

hnswlib was chosen by measurement (ADR 0005, docs/adr/0005-jobs-projections-neighbours.md):
at 1M x 384 it answers a top-10 query in ~0.7 ms at recall@10 ~0.97, supports adding
points and replacing a point's vector in place (a re-logged datapoint), keeps our own int64
ids as its labels, and is a small dependency (faiss-cpu was as fast, three times heavier).

Distances: ``cosine`` is ``1 - cos(a, b)``; ``l2`` is the euclidean distance (hnswlib's
squared distance is square-rooted here so every caller sees the same scale as exact search).

Nothing here touches a file: persisting an index is :mod:`chroma.db.indexes`' business,
through the :attr:`AnnIndex.hnsw` object it wraps.
"""

from __future__ import annotations

import os
from typing import Literal

import hnswlib
import numpy as np
import numpy.typing as npt

from chroma.compute.progress import Progress
from chroma.core.errors import InvalidInput

Metric = Literal["cosine", "l2"]
METRICS: tuple[Metric, ...] = ("cosine", "l2")

EXACT_LIMIT = 20_000
"""Up to this many points one exact query is cheap (a few ms) and always right."""
GRAPH_EXACT_LIMIT = 5_000
"""Up to this many points the whole kNN graph is computed exactly; above, all-pairs exact
search costs seconds (6-8 s at 20k here) and HNSW is faster at ~0.99 recall."""

DEFAULT_M = 16
DEFAULT_EF_CONSTRUCTION = 100
DEFAULT_EF = 128
_ADD_STEP = 20_000  # points per add_items call, so progress moves and cancel can act


def graph_ef(k: int) -> int:
    """The search breadth for kNN graph rows: recall@15 ~0.96 at 1M, at half the cost of
    :data:`DEFAULT_EF` (a single query's breadth), which matters a million times over."""
    return max(64, 2 * k)


def _threads() -> int:
    return max(1, os.cpu_count() or 1)


def _check_metric(metric: str) -> Metric:
    if metric not in METRICS:
        raise InvalidInput(f"unknown metric {metric!r}; use one of {METRICS}", where="metric")
    return metric


class AnnIndex:
    """An approximate nearest-neighbour index whose labels are the caller's int64 ids.

    Example:
        >>> index = AnnIndex.build(vectors, ids, metric="cosine")
        >>> labels, distances = index.query(vectors[:5], k=10)
    """

    def __init__(
        self,
        dim: int,
        metric: Metric = "cosine",
        *,
        capacity: int = 1024,
        m: int = DEFAULT_M,
        ef_construction: int = DEFAULT_EF_CONSTRUCTION,
        hnsw: hnswlib.Index | None = None,
    ) -> None:
        self.metric = _check_metric(metric)
        self.dim = dim
        if hnsw is None:
            hnsw = hnswlib.Index(space=metric, dim=dim)
            hnsw.init_index(max_elements=max(capacity, 1), ef_construction=ef_construction, M=m)
        self.hnsw = hnsw

    @classmethod
    def build(
        cls,
        vectors: npt.NDArray[np.float32],
        labels: npt.NDArray[np.int64],
        *,
        metric: Metric = "cosine",
        m: int = DEFAULT_M,
        ef_construction: int = DEFAULT_EF_CONSTRUCTION,
        progress: Progress | None = None,
    ) -> AnnIndex:
        index = cls(
            vectors.shape[1], metric, capacity=len(vectors), m=m, ef_construction=ef_construction
        )
        index.add(vectors, labels, progress=progress)
        return index

    def __len__(self) -> int:
        return int(self.hnsw.get_current_count())

    def add(
        self,
        vectors: npt.NDArray[np.float32],
        labels: npt.NDArray[np.int64],
        *,
        progress: Progress | None = None,
    ) -> None:
        """Add points; a label already present gets its vector replaced."""
        if len(vectors) != len(labels):
            raise InvalidInput("vectors and labels differ in length", where="labels")
        if len(vectors) and vectors.shape[1] != self.dim:
            raise InvalidInput(
                f"vectors have {vectors.shape[1]} dimensions, the index {self.dim}",
                where="vectors",
            )
        needed = len(self) + len(vectors)
        if needed > self.hnsw.get_max_elements():
            self.hnsw.resize_index(max(needed, int(self.hnsw.get_max_elements() * 1.5)))
        total = len(vectors)
        for start in range(0, total, _ADD_STEP):
            stop = min(start + _ADD_STEP, total)
            self.hnsw.add_items(
                vectors[start:stop], labels[start:stop].astype(np.uint64), num_threads=_threads()
            )
            if progress is not None:
                progress(stop / total, f"indexed {stop:,} of {total:,} vectors")

    def query(
        self,
        queries: npt.NDArray[np.float32],
        k: int,
        *,
        ef: int | None = None,
        threads: int | None = None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The ``k`` nearest labels of each query and their distances, nearest first.

        Where the index holds fewer than ``k`` points, the missing places hold label ``-1``
        and distance ``inf``.
        """
        n = len(queries)
        labels = np.full((n, k), -1, dtype=np.int64)
        distances = np.full((n, k), np.inf, dtype=np.float32)
        found = min(k, len(self))
        if n == 0 or found == 0:
            return labels, distances
        self.hnsw.set_ef(max(ef or DEFAULT_EF, found))
        got_labels, got_distances = self.hnsw.knn_query(
            np.ascontiguousarray(queries, dtype=np.float32),
            k=found,
            num_threads=threads if threads is not None else (1 if n < 64 else _threads()),
        )
        labels[:, :found] = got_labels.astype(np.int64)
        distances[:, :found] = _public_distance(got_distances, self.metric)
        return labels, distances

    def vector_of(self, label: int) -> npt.NDArray[np.float32] | None:
        """The stored vector of ``label`` as one row (unit length under cosine), or None."""
        try:
            return np.asarray(self.hnsw.get_items([label]), dtype=np.float32)
        except RuntimeError:  # hnswlib's answer for a label it does not hold
            return None

    def labels(self) -> npt.NDArray[np.int64]:
        return np.asarray(self.hnsw.get_ids_list(), dtype=np.int64)


class LayeredIndex:
    """A main index and a small delta of the points added since the main was written,
    answering as one index.

    Appending to a million-point index and writing it again costs a rewrite of ~1.7 GB;
    appending to a delta of a few thousand points costs a rewrite of a few MB. The two hold
    disjoint labels (a label is in the delta only if the main does not hold it), so a query
    asks both and keeps the ``k`` nearest of the two answers.
    """

    def __init__(self, main: AnnIndex, delta: AnnIndex | None = None) -> None:
        self.main = main
        self.delta = delta if delta is not None and len(delta) else None
        self.metric = main.metric
        self.dim = main.dim

    def __len__(self) -> int:
        return len(self.main) + (len(self.delta) if self.delta is not None else 0)

    def query(
        self,
        queries: npt.NDArray[np.float32],
        k: int,
        *,
        ef: int | None = None,
        threads: int | None = None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """As :meth:`AnnIndex.query`, over both layers."""
        labels, distances = self.main.query(queries, k, ef=ef, threads=threads)
        if self.delta is None:
            return labels, distances
        delta_labels, delta_distances = self.delta.query(queries, k, ef=ef, threads=threads)
        both_labels = np.concatenate([labels, delta_labels], axis=1)
        both_distances = np.concatenate([distances, delta_distances], axis=1)
        # Missing places carry distance inf, so they sort after every found one.
        nearest = np.argsort(both_distances, axis=1, kind="stable")[:, :k]
        return (
            np.take_along_axis(both_labels, nearest, 1),
            np.take_along_axis(both_distances, nearest, 1),
        )

    def vector_of(self, label: int) -> npt.NDArray[np.float32] | None:
        found = self.delta.vector_of(label) if self.delta is not None else None
        return found if found is not None else self.main.vector_of(label)


def _public_distance(distances: npt.NDArray[np.float32], metric: Metric) -> npt.NDArray[np.float32]:
    clipped: npt.NDArray[np.float32] = np.maximum(distances, 0, dtype=np.float32)
    if metric == "l2":  # hnswlib reports squared euclidean distances
        clipped = np.sqrt(clipped).astype(np.float32, copy=False)
    return clipped


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms: npt.NDArray[np.float32] = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1
    unit: npt.NDArray[np.float32] = (vectors / norms).astype(np.float32, copy=False)
    return unit


def exact_search(
    data: npt.NDArray[np.float32],
    queries: npt.NDArray[np.float32],
    k: int,
    *,
    metric: Metric = "cosine",
    normalized: bool = False,
    block_cells: int = 1 << 24,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Exact top-``k`` by blocked matrix products: rows into ``data`` and distances.

    ``normalized=True`` says cosine inputs already have unit norm (no copy of ``data``).
    Queries go in blocks of at most ``block_cells`` distances (64 MB of float32), so memory
    stays flat whatever the sizes. Missing places (``k`` larger than ``data``) hold row
    ``-1`` and distance ``inf``.
    """
    _check_metric(metric)
    n, found = len(queries), min(k, len(data))
    rows = np.full((n, k), -1, dtype=np.int64)
    distances = np.full((n, k), np.inf, dtype=np.float32)
    if n == 0 or found == 0:
        return rows, distances
    if metric == "cosine" and not normalized:
        data, queries = _unit(data), _unit(queries)
    data_sq = np.einsum("ij,ij->i", data, data) if metric == "l2" else None
    block = max(1, block_cells // len(data))
    for start in range(0, n, block):
        q = queries[start : start + block]
        dist = q @ data.T
        if data_sq is None:
            np.subtract(1.0, dist, out=dist)
        else:
            dist *= -2
            dist += data_sq[None, :]
            dist += np.einsum("ij,ij->i", q, q)[:, None]
            np.maximum(dist, 0, out=dist)
            np.sqrt(dist, out=dist)
        if found < len(data):
            part = np.argpartition(dist, found - 1, axis=1)[:, :found]
        else:
            part = np.broadcast_to(np.arange(len(data)), (len(q), len(data)))
        part_dist = np.take_along_axis(dist, part, axis=1)
        order = np.argsort(part_dist, axis=1, kind="stable")
        rows[start : start + len(q), :found] = np.take_along_axis(part, order, axis=1)
        distances[start : start + len(q), :found] = np.maximum(
            np.take_along_axis(part_dist, order, axis=1), 0
        )
    return rows, distances


def knn_graph(
    vectors: npt.NDArray[np.float32],
    k: int,
    *,
    metric: Metric = "cosine",
    index: AnnIndex | None = None,
    row_labels: npt.NDArray[np.int64] | None = None,
    ef: int | None = None,
    progress: Progress | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The ``k`` nearest other rows of every row of ``vectors`` (self excluded).

    With ``index`` (whose labels are ``row_labels``, one per row of ``vectors``) the graph
    comes from that index; otherwise from exact search up to :data:`GRAPH_EXACT_LIMIT` points and
    from a fresh HNSW index above. Neighbours the index returns that are not rows of
    ``vectors`` are dropped; missing places hold ``-1``.
    """
    n = len(vectors)
    if n <= GRAPH_EXACT_LIMIT and index is None:
        rows, distances = exact_search(vectors, vectors, k + 1, metric=metric)
        return _drop_self(rows, distances, k)
    if index is None:
        row_labels = np.arange(n, dtype=np.int64)
        index = AnnIndex.build(
            vectors,
            row_labels,
            metric=metric,
            progress=(lambda f, m: progress(0.5 * f, m)) if progress else None,
        )
        offset = 0.5
    else:
        offset = 0.0
    if row_labels is None or len(row_labels) != n:
        raise InvalidInput("row_labels must name the label of every row", where="row_labels")
    rows = np.empty((n, k + 1), dtype=np.int64)
    distances = np.empty((n, k + 1), dtype=np.float32)
    order = np.argsort(row_labels, kind="stable")
    sorted_labels = row_labels[order]
    step = 50_000
    for start in range(0, n, step):
        stop = min(start + step, n)
        labels, dist = index.query(vectors[start:stop], k + 1, ef=ef or graph_ef(k))
        pos = np.searchsorted(sorted_labels, labels).clip(0, n - 1)
        known = (sorted_labels[pos] == labels) & (labels >= 0)
        rows[start:stop] = np.where(known, order[pos], -1)
        distances[start:stop] = np.where(known, dist, np.inf)
        if progress is not None:
            done = stop / n
            progress(offset + (1 - offset) * done, f"neighbours of {stop:,} of {n:,} points")
    return _drop_self(rows, distances, k)


def _drop_self(
    rows: npt.NDArray[np.int64], distances: npt.NDArray[np.float32], k: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Remove each row's own entry (or, if absent, its farthest) and compact missing ones last."""
    n = len(rows)
    is_self = rows == np.arange(n)[:, None]
    # Where self was not returned (duplicates, approximate search), drop the last column.
    no_self = ~is_self.any(axis=1)
    is_self[no_self, -1] = True
    first_self = np.argmax(is_self, axis=1)
    keep = np.ones_like(is_self)
    keep[np.arange(n), first_self] = False
    out_rows = rows[keep].reshape(n, k)
    out_dist = distances[keep].reshape(n, k)
    missing = out_rows < 0
    if missing.any():  # push -1 entries to the end, keeping order among the found ones
        order = np.argsort(missing, axis=1, kind="stable")
        out_rows = np.take_along_axis(out_rows, order, axis=1)
        out_dist = np.take_along_axis(out_dist, order, axis=1)
    return out_rows, out_dist
