"""t-SNE through openTSNE (FFT-accelerated gradients), from our kNN graph.

The affinities are openTSNE's perplexity-based ones (``joint_probabilities_nn``) computed
from a kNN graph with ``3 x perplexity`` neighbours: the caller's when it has that many,
else one we compute (see :mod:`.knn`). openTSNE runs its usual two phases (early
exaggeration, then the main optimisation); its callbacks report progress every
:data:`CALLBACK_EVERY` iterations, and an exception raised from our progress callback
propagates out of openTSNE, which is how a cancel stops it.

Placing new points puts each at the median of its neighbours' coordinates (openTSNE's
``prepare_partial(initialization="median")``), without the optional optimisation, which
would cost seconds per thousand points against a large reference map.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse
from openTSNE import TSNE
from openTSNE.affinity import (
    PrecomputedAffinities,
    joint_probabilities_nn,
)
from openTSNE.initialization import spectral as spectral_init

from chroma.compute.progress import Progress, Reporter

from .knn import F32, I64, Knn, Metric, Reduced, knn_graph, reduce, usable_knn
from .pca import principal_coords

CALLBACK_EVERY = 5
"""openTSNE iterations between two progress reports (each also evaluates the KL error)."""


def neighbours_needed(perplexity: float, n_points: int) -> int:
    """openTSNE's choice: ``3 x perplexity`` neighbours per point (fewer on tiny data)."""
    return max(1, min(n_points - 1, int(3 * perplexity)))


def affinities(
    rows: I64, distances: F32, perplexity: float, metric: str
) -> scipy.sparse.csr_matrix:
    """The symmetric t-SNE affinity matrix P (sums to 1) of a kNN graph."""
    n = len(rows)
    # A gaussian kernel on euclidean distances; for cosine, the chord between unit vectors.
    dist = np.sqrt(2.0 * distances) if metric == "cosine" else distances.astype(np.float64)
    missing = rows < 0
    neighbours = rows
    if missing.any():  # point them at themselves, far away; removed below
        neighbours = np.where(missing, np.arange(n)[:, None], rows)
        dist = np.where(missing, 10.0 * dist.max() + 1.0, dist)
    probabilities = joint_probabilities_nn(
        np.ascontiguousarray(neighbours, dtype=np.int64),
        np.ascontiguousarray(dist, dtype=np.float64),
        [perplexity],
        symmetrize=True,
        n_jobs=_threads(),
    ).tocsr()
    if missing.any():
        probabilities.setdiag(0)
        probabilities.eliminate_zeros()
    probabilities.data = np.nan_to_num(probabilities.data, nan=0.0)
    probabilities /= probabilities.sum()
    return probabilities


def _threads() -> int:
    return max(1, os.cpu_count() or 1)


class _Callback:
    """openTSNE callback turning iterations of both phases into one progress fraction."""

    def __init__(self, progress: Progress, phases: tuple[int, int]) -> None:
        self.progress = progress
        self.phases = phases
        self.phase = -1

    def optimization_about_to_start(self) -> None:
        self.phase += 1

    def __call__(self, iteration: int, error: float, embedding: Any) -> bool:
        done = sum(self.phases[: max(self.phase, 0)]) + iteration
        total = sum(self.phases)
        name = "early exaggeration" if self.phase == 0 and self.phases[0] else "optimising"
        self.progress(done / total, f"t-SNE {name}: iteration {done} of {total}, KL {error:.3f}")
        return False  # never stop by returning; a cancel raises instead


def fit(
    vectors: F32,
    p: dict[str, Any],
    *,
    metric: Metric,
    knn: Knn | None,
    reduced: Reduced | None,
    initial: F32 | None = None,
    progress: Progress | None,
) -> tuple[F32, dict[str, Any]]:
    """A t-SNE layout of ``vectors`` with validated params ``p``: ``(coords, model)``."""
    n = len(vectors)
    report = Reporter(progress)
    k = neighbours_needed(p["perplexity"], n)
    graph = usable_knn(knn, n, k)
    share = 0.0
    if graph is None:
        share = 0.2
        report(0.0, "finding nearest neighbours", force=True)
        if reduced is None:
            reduced = reduce(vectors, metric, seed=p["random_state"] or 0)
        graph = knn_graph(reduced, k, report.stage(0.0, share))
    report(share, "computing affinities", force=True)
    probabilities = affinities(graph[0], graph[1], p["perplexity"], metric)
    del graph
    report(share + 0.03, "initial layout", force=True)
    data = reduced.vectors if reduced is not None else vectors
    init = initial_layout(probabilities, data, p, given=initial)
    phases = (p["early_exaggeration_iter"], p["n_iter"])
    callback = _Callback(report.stage(share + 0.05, 1.0), phases)
    tsne = TSNE(
        n_components=2,
        perplexity=p["perplexity"],
        learning_rate=p["learning_rate"],
        early_exaggeration_iter=p["early_exaggeration_iter"],
        early_exaggeration=p["early_exaggeration"],
        n_iter=p["n_iter"],
        exaggeration=p["exaggeration"],
        dof=p["dof"],
        negative_gradient_method="auto",  # Barnes-Hut below 10,000 points, FFT above
        n_jobs=_threads(),
        random_state=p["random_state"],
        callbacks=[callback],
        callbacks_every_iters=CALLBACK_EVERY,
    )
    given = PrecomputedAffinities(probabilities, normalize=False)
    embedding = tsne.fit(affinities=given, initialization=init)
    coords = np.ascontiguousarray(embedding, dtype=np.float32)
    model: dict[str, Any] = {"perplexity": float(p["perplexity"])}
    return coords, model


def initial_layout(
    probabilities: scipy.sparse.csr_matrix,
    data: F32,
    p: dict[str, Any],
    *,
    given: F32 | None = None,
) -> F32:
    """openTSNE-style start: ``given`` (a previous map's places), else PCA of ``data``,
    spectral on the affinities, or random; std 1e-4."""
    n = probabilities.shape[0]
    rng = np.random.default_rng(p["random_state"])
    coords: npt.NDArray[Any]
    if given is not None:
        coords = np.asarray(given - given.mean(axis=0), dtype=np.float64)
    elif p["init"] == "spectral" and n > 3:
        coords = spectral_init(probabilities, 2, random_state=p["random_state"])
        return np.ascontiguousarray(coords, dtype=np.float32)
    else:
        coords = principal_coords(data, rng) if p["init"] == "pca" else rng.normal(size=(n, 2))
    std = coords[:, 0].std()
    if not std > 0:  # constant data: a tiny random start instead
        coords, std = rng.normal(size=(n, 2)), 1.0
    coords = coords / std * 1e-4
    return np.ascontiguousarray(coords, dtype=np.float32)


def place(reference_coords: F32, rows: I64, progress: Progress | None) -> F32:
    """Each new point at the median of its neighbours' coordinates (their centre without any)."""
    report = Reporter(progress)
    reference = np.asarray(reference_coords, dtype=np.float32)
    out = np.empty((len(rows), 2), dtype=np.float32)
    centre = reference.mean(axis=0) if len(reference) else np.zeros(2, np.float32)
    step = 65_536
    for start in range(0, len(rows), step):
        block = rows[start : start + step]
        gathered = reference[np.maximum(block, 0)]  # [b, k, 2]
        gathered[block < 0] = np.nan
        with warnings.catch_warnings():  # rows without any neighbour: all-NaN slices
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(gathered, axis=1)
        out[start : start + len(block)] = np.where(np.isnan(median), centre, median)
        report(min(1.0, (start + step) / max(len(rows), 1)), "placing points")
    report.done()
    return out
