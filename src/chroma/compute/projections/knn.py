"""The kNN graph a layout is built from: checked when given, computed when not.

Computing one (when the caller has none) goes through :mod:`chroma.compute.neighbours`
on a PCA reduction of the vectors to :data:`KNN_DIMS` dimensions: on 100k x 384 that cuts
the HNSW build and queries several-fold, and a 2-D layout does not need the neighbours
of the last few hundred dimensions. For ``cosine`` the vectors are unit-normalised first,
so euclidean distance in the reduced space approximates the chord between unit vectors;
distances are reported back on the cosine scale (``1 - cos = chord^2 / 2``) so that a
computed graph and one given by the caller mean the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.decomposition import PCA

from chroma.compute import neighbours
from chroma.compute.progress import Progress, sub_progress
from chroma.core.errors import InvalidInput

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
Knn = tuple[I64, F32]
Metric = neighbours.Metric

KNN_DIMS = 50
"""Dimensions kept by the PCA that precedes a kNN search we run ourselves."""

PCA_FIT_SAMPLE = 50_000
"""Rows the reducing PCA is fitted on (then applied to all rows, block by block)."""

EXACT_BELOW = 5_000
"""Exact all-pairs search below this many points; an HNSW index above (all-pairs is N^2)."""

HNSW_M = 10
HNSW_EF_CONSTRUCTION = 48
QUERY_EF = 32
"""HNSW search breadth for graph queries (at least ``2 k``).

Measured on 100k x 384 reduced to 50 dimensions (build + all queries, 2 cores): M=12,
ef_construction=64, ef=48: 9.7 s at recall@14 0.94; M=10/48/32 (these): 7.6 s at 0.87;
M=8/32/24: 4.9 s at 0.74. umap-learn's NN-descent aims at about 0.9.
"""
PLACE_EF = 32
"""Search breadth for landmark placement (k=15: recall ~0.85)."""
_BLOCK = 65_536


def check_metric(metric: str) -> neighbours.Metric:
    for known in neighbours.METRICS:
        if metric == known:
            return known
    raise InvalidInput(
        f"unknown metric {metric!r}; use one of {', '.join(neighbours.METRICS)}", where="metric"
    )


def check_vectors(vectors: npt.ArrayLike, where: str = "vectors") -> F32:
    """``vectors`` as a C-contiguous float32 ``[N, D]`` array of finite values."""
    array = np.asarray(vectors)
    if array.ndim != 2 or array.shape[1] < 1:
        raise InvalidInput(
            f"expected a 2-D array [points, dims], got shape {array.shape}", where=where
        )
    if not np.issubdtype(array.dtype, np.number):
        raise InvalidInput(f"expected numbers, got {array.dtype}", where=where)
    array = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise InvalidInput("vectors must be finite (no NaN or infinity)", where=where)
    return array


def usable_knn(knn: Knn | None, n_points: int, k: int) -> Knn | None:
    """The first ``k`` columns of a caller's graph, or None when it has fewer than ``k``.

    Raises :class:`InvalidInput` (``where="knn"``) for a graph of the wrong shape or with
    rows out of range.
    """
    if knn is None:
        return None
    rows, distances = np.asarray(knn[0]), np.asarray(knn[1])
    if rows.ndim != 2 or rows.shape != distances.shape or len(rows) != n_points:
        raise InvalidInput(
            f"knn must be two [{n_points}, k] arrays (rows, distances); got "
            f"{rows.shape} and {distances.shape}",
            where="knn",
        )
    if rows.shape[1] < k:
        return None
    rows = np.ascontiguousarray(rows[:, :k], dtype=np.int64)
    if len(rows) and (rows.max(initial=-1) >= n_points or rows.min(initial=0) < -1):
        raise InvalidInput("knn rows must be -1 or rows of the vectors", where="knn")
    distances = np.ascontiguousarray(distances[:, :k], dtype=np.float32)
    return clean(rows, distances)


def clean(rows: I64, distances: F32) -> Knn:
    """A neighbour list made safe: a non-finite distance marks its neighbour missing (row
    ``-1``), a missing neighbour's distance is 0, and no distance is negative."""
    bad = (rows < 0) | ~np.isfinite(distances)
    if bad.any():
        rows = np.where(bad, -1, rows)
        distances = np.where(bad, 0, distances).astype(np.float32)
    if (distances < 0).any():
        distances = np.maximum(distances, 0).astype(np.float32)
    return rows, distances


@dataclass(frozen=True)
class Reduced:
    """Vectors in the space the neighbour search runs in (see the module docstring).

    ``vectors`` are float32 ``[N, d]``; ``search_metric`` is the metric to search them
    with; ``metric`` is the caller's, whose scale :meth:`to_metric` converts back to.
    """

    vectors: F32
    metric: neighbours.Metric
    search_metric: neighbours.Metric

    def subset(self, rows: npt.NDArray[np.int64]) -> Reduced:
        """The same space restricted to ``rows`` (a copy of those rows)."""
        return Reduced(self.vectors[rows], self.metric, self.search_metric)

    def to_metric(self, distances: F32) -> F32:
        """Search-space distances back on the caller's metric's scale."""
        if self.metric == "cosine" and self.search_metric == "l2":
            return (0.5 * np.square(distances)).astype(np.float32)
        return distances


def _unit_rows(block: F32) -> F32:
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    norms[norms == 0] = 1
    unit: F32 = (block / norms).astype(np.float32, copy=False)
    return unit


def reduce(vectors: F32, metric: neighbours.Metric, *, seed: int = 0) -> Reduced:
    """``vectors`` projected on their first :data:`KNN_DIMS` principal axes (if wider).

    For ``cosine``, rows are unit-normalised first and the search is euclidean. The PCA is
    fitted on at most :data:`PCA_FIT_SAMPLE` rows and applied block by block, so no
    float64 or normalised copy of the whole array is ever made.
    """
    n, dim = vectors.shape
    if dim <= KNN_DIMS + KNN_DIMS // 4:
        return Reduced(vectors, metric, metric)
    prepare = _unit_rows if metric == "cosine" else (lambda block: block)
    sample = vectors
    if n > PCA_FIT_SAMPLE:
        rng = np.random.default_rng(seed)
        sample = vectors[np.sort(rng.choice(n, PCA_FIT_SAMPLE, replace=False))]
    dims = min(KNN_DIMS, len(sample))
    pca = PCA(n_components=dims, svd_solver="randomized", random_state=seed)
    pca.fit(prepare(sample))
    components = np.ascontiguousarray(pca.components_.T, dtype=np.float32)
    shift = (pca.mean_.astype(np.float32) @ components).astype(np.float32)
    out = np.empty((n, dims), dtype=np.float32)
    for start in range(0, n, _BLOCK):
        part = out[start : start + _BLOCK]
        np.matmul(prepare(vectors[start : start + _BLOCK]), components, out=part)
        part -= shift
    return Reduced(out, metric, "l2")


def build_index(
    vectors: F32, metric: neighbours.Metric, progress: Progress | None
) -> neighbours.AnnIndex:
    """An HNSW index over ``vectors`` labelled by row (build parameters tuned for layouts)."""
    return neighbours.AnnIndex.build(
        vectors,
        np.arange(len(vectors), dtype=np.int64),
        metric=metric,
        m=HNSW_M,
        ef_construction=HNSW_EF_CONSTRUCTION,
        progress=progress,
    )


def knn_graph(
    reduced: Reduced,
    k: int,
    progress: Progress | None = None,
    *,
    index: neighbours.AnnIndex | None = None,
) -> Knn:
    """The ``k`` nearest other rows of every row of ``reduced``, on the caller's metric's scale.

    Exact below :data:`EXACT_BELOW` points; otherwise through ``index`` (an HNSW index of
    exactly these rows, labelled by row) or a fresh one.
    """
    vectors = reduced.vectors
    n = len(vectors)
    k = min(k, n - 1)
    if n < EXACT_BELOW and index is None:
        rows, distances = neighbours.knn_graph(vectors, k, metric=reduced.search_metric)
    else:
        if index is None:
            index = build_index(vectors, reduced.search_metric, sub_progress(progress, 0, 0.6))
            progress = sub_progress(progress, 0.6, 1.0)
        rows, distances = neighbours.knn_graph(
            vectors,
            k,
            metric=reduced.search_metric,
            index=index,
            row_labels=np.arange(n, dtype=np.int64),
            ef=max(QUERY_EF, 2 * k),
            progress=progress,
        )
    return clean(rows, reduced.to_metric(distances))


def query(
    index: neighbours.AnnIndex,
    reduced: Reduced,
    rows: I64,
    k: int,
    progress: Progress | None = None,
    *,
    ef: int = PLACE_EF,
) -> Knn:
    """The ``k`` nearest indexed points of the given ``rows`` of ``reduced``, block by block."""
    out_rows = np.empty((len(rows), k), dtype=np.int64)
    out_dist = np.empty((len(rows), k), dtype=np.float32)
    for start in range(0, len(rows), _BLOCK):
        stop = min(start + _BLOCK, len(rows))
        labels, dist = index.query(reduced.vectors[rows[start:stop]], k, ef=max(ef, k))
        out_rows[start:stop] = labels
        out_dist[start:stop] = reduced.to_metric(dist)
        if progress is not None:
            progress(stop / len(rows), f"neighbours of {stop:,} of {len(rows):,} points")
    return clean(out_rows, out_dist)
