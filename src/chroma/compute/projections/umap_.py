"""UMAP from a kNN graph: umap-learn's method, driven epoch by epoch by us.

The fit follows ``umap.UMAP.fit`` on a precomputed kNN graph: fuzzy simplicial set
(per-point ``sigma``/``rho``, then the fuzzy union of the directed graph with its
transpose), spectral initialisation (umap-learn's ``spectral_layout``), then stochastic
gradient descent on the fuzzy cross-entropy. We run the epochs ourselves (see
:mod:`.kernels`) so that progress is reported after every epoch and a cancel (an
exception from the progress callback) stops the work between two epochs, and so that the
kernels come from numba's on-disk cache instead of being compiled in every process.

Placing new points follows ``UMAP.transform``: each new point starts at the weighted
mean of its neighbours' coordinates, then a short SGD moves only the new points, the
reference coordinates being read but never written.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import scipy.sparse
from scipy.optimize import curve_fit

from chroma.compute.progress import Progress, Reporter

from . import kernels
from .knn import F32, I64, Knn, Metric, Reduced, knn_graph, reduce, usable_knn
from .pca import principal_coords

PLACE_EPOCHS_FEW = 100
PLACE_EPOCHS_MANY = 30
"""Placement epochs (umap-learn's transform: 100 up to 10,000 new points, 30 above)."""
START_SPAN = (5.0, 100.0)
"""Extents of a given start kept as they are (a UMAP map's own); others are scaled to 10."""


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
    """A UMAP layout of ``vectors`` with validated params ``p``: ``(coords, model)``."""
    n = len(vectors)
    k = p["n_neighbors"] - 1  # umap-learn counts the point itself among its neighbours
    report = Reporter(progress)
    graph_knn = usable_knn(knn, n, k)
    share = 0.0
    if graph_knn is None:
        share = 0.35
        report(0.0, "finding nearest neighbours", force=True)
        if reduced is None:
            reduced = reduce(vectors, metric, seed=p["random_state"] or 0)
        graph_knn = knn_graph(reduced, k, report.stage(0.0, share))
    report(share, "building the neighbour graph", force=True)
    graph = fuzzy_graph(*graph_knn)
    del graph_knn
    rng = np.random.default_rng(p["random_state"])
    report(share + 0.02, "initial layout", force=True)
    data = reduced.vectors if reduced is not None else vectors
    init = initial_layout(graph, data, p["init"], metric, rng, given=initial)
    a, b = find_ab_params(p["spread"], p["min_dist"])
    model: dict[str, Any] = {
        "a": float(a),
        "b": float(b),
        "n_neighbors": int(p["n_neighbors"]),
        "learning_rate": float(p["learning_rate"]),
        "negative_sample_rate": int(p["negative_sample_rate"]),
        "n_epochs": int(p["n_epochs"]),
    }
    coords = optimise(
        init,
        init,
        graph,
        model,
        n_epochs=p["n_epochs"],
        alpha=p["learning_rate"],
        move_other=True,
        seed=p["random_state"],
        progress=report.stage(share + 0.1, 1.0),
    )
    return coords, model


def find_ab_params(spread: float, min_dist: float) -> tuple[float, float]:
    """umap-learn's ``a``, ``b``: the curve ``1 / (1 + a d^2b)`` closest to its target kernel.

    The target is 1 up to ``min_dist`` then ``exp(-(d - min_dist) / spread)``.
    """

    def curve(x: npt.NDArray[np.float64], a: float, b: float) -> npt.NDArray[np.float64]:
        return 1.0 / (1.0 + a * x ** (2 * b))

    xv = np.linspace(0, spread * 3, 300)
    yv = np.where(xv < min_dist, 1.0, np.exp(-(xv - min_dist) / spread))
    params, _ = curve_fit(curve, xv, yv)
    return float(params[0]), float(params[1])


def fuzzy_graph(rows: I64, distances: F32) -> scipy.sparse.coo_matrix:
    """UMAP's fuzzy simplicial set of a kNN graph (self excluded): a symmetric sparse matrix."""
    n, k = rows.shape
    sigmas, rhos = kernels.smooth_knn_dist(rows, distances, float(np.log2(k + 1)), 1.0)
    weights = kernels.membership_strengths(rows, distances, sigmas, rhos)
    keep = (rows >= 0) & (weights > 0)
    heads = np.broadcast_to(np.arange(n, dtype=np.int32)[:, None], rows.shape)[keep]
    directed = scipy.sparse.csr_matrix(
        (weights[keep], (heads, rows[keep].astype(np.int32))), shape=(n, n)
    )
    transpose = directed.T.tocsr()
    graph = directed + transpose - directed.multiply(transpose)
    coo = graph.tocoo()
    coo.eliminate_zeros()
    return coo


def initial_layout(
    graph: scipy.sparse.coo_matrix,
    data: F32,
    init: str,
    metric: str,
    rng: np.random.Generator,
    *,
    given: F32 | None = None,
) -> F32:
    """Starting coordinates in [0, 10]^2: ``given`` (a previous map's places), else spectral
    (umap-learn's), PCA of ``data``, or random."""
    n = graph.shape[0]
    seed = int(rng.integers(2**31 - 1))
    start: npt.NDArray[np.floating[Any]]
    if given is not None:
        return _scaled_start(given, rng)
    if init == "random" or n <= 3:
        start = rng.uniform(-10, 10, size=(n, 2))
    elif init == "pca":
        start = principal_coords(data, rng)
    else:
        # umap-learn is imported here only: importing it costs seconds (pynndescent compiles)
        from umap.spectral import spectral_layout

        start = spectral_layout(
            data,
            graph.tocsr(),
            2,
            np.random.RandomState(seed),
            metric="cosine" if metric == "cosine" else "euclidean",
        )
    coords = np.asarray(start, dtype=np.float64)
    span = np.abs(coords).max()
    coords = coords * (10.0 / span if span > 0 else 1.0)
    coords += rng.normal(scale=1e-4, size=coords.shape)
    low, high = coords.min(axis=0), coords.max(axis=0)
    coords = 10.0 * (coords - low) / np.where(high > low, high - low, 1.0)
    return np.ascontiguousarray(coords, dtype=np.float32)


def _scaled_start(given: F32, rng: np.random.Generator) -> F32:
    """A given start (a previous map's places), its shape kept: scaled by one factor (not per
    axis, which would stretch it) to UMAP's usual extent, unless it already has it."""
    coords = np.asarray(given, dtype=np.float64)
    coords = coords - coords.mean(axis=0)
    span = float(np.ptp(coords, axis=0).max())
    if not START_SPAN[0] <= span <= START_SPAN[1]:
        coords *= 10.0 / span if span > 0 else 1.0
    coords += rng.normal(scale=1e-4, size=coords.shape)
    return np.ascontiguousarray(coords, dtype=np.float32)


def optimise(
    head_coords: F32,
    tail_coords: F32,
    graph: scipy.sparse.coo_matrix,
    model: dict[str, Any],
    *,
    n_epochs: int,
    alpha: float,
    move_other: bool,
    seed: int | None,
    progress: Progress,
    what: str = "optimising the layout",
) -> F32:
    """Run ``n_epochs`` of UMAP's SGD over ``graph`` (rows: head points, cols: tail points).

    ``head_coords`` is updated in place and returned. A fit passes the same array twice
    with ``move_other=True``; placement passes the new points and the fixed reference.
    A ``seed`` makes the run reproducible by using a single thread.
    """
    weights = graph.data.astype(np.float64)
    if not len(weights) or not weights.max() > 0:  # no edge: nothing pulls, nothing to do
        progress(1.0, f"{what}: no neighbour edges")
        return head_coords
    keep = weights >= weights.max() / float(n_epochs)
    head = np.ascontiguousarray(graph.row[keep], dtype=np.int32)
    tail = np.ascontiguousarray(graph.col[keep], dtype=np.int32)
    epochs_per_sample = float(n_epochs) / (n_epochs * weights[keep] / weights[keep].max())
    epochs_per_negative = epochs_per_sample / float(model["negative_sample_rate"])
    next_sample = epochs_per_sample.copy()
    next_negative = epochs_per_negative.copy()
    rng = np.random.default_rng(seed)
    rng_states = rng.integers(-(2**31), 2**31 - 1, size=(len(head_coords), 3), dtype=np.int64)
    threads = numba.get_num_threads()
    if seed is not None:
        numba.set_num_threads(1)
    try:
        initial = alpha
        for epoch in range(n_epochs):
            kernels.sgd_epoch(
                head_coords,
                tail_coords,
                head,
                tail,
                epochs_per_sample,
                epochs_per_negative,
                next_sample,
                next_negative,
                rng_states,
                float(model["a"]),
                float(model["b"]),
                1.0,
                float(alpha),
                move_other,
                epoch,
            )
            alpha = initial * (1.0 - float(epoch) / float(n_epochs))
            progress((epoch + 1) / n_epochs, f"{what}: epoch {epoch + 1} of {n_epochs}")
    finally:
        numba.set_num_threads(threads)
    return head_coords


def place(
    model: dict[str, Any],
    reference_coords: F32,
    rows: I64,
    distances: F32,
    progress: Progress | None,
    *,
    seed: int | None = None,
) -> F32:
    """New points' coordinates against fixed ``reference_coords`` (see the module docstring)."""
    n, k = rows.shape
    report = Reporter(progress)
    reference = np.array(reference_coords, dtype=np.float32, order="C", copy=True)
    sigmas, rhos = kernels.smooth_knn_dist(rows, distances, float(np.log2(k + 1)), 0.0)
    weights = kernels.membership_strengths(rows, distances, sigmas, rhos)
    coords: F32 = kernels.weighted_mean_positions(rows, weights, reference)
    lost = np.isnan(coords).any(axis=1)
    if lost.any():  # no neighbour at all: the middle of the map, then the SGD has no pull
        coords[lost] = reference.mean(axis=0) if len(reference) else 0.0
    keep = (rows >= 0) & (weights > 0)
    if not keep.any() or len(reference) == 0:
        report.done()
        return coords
    heads = np.broadcast_to(np.arange(n, dtype=np.int32)[:, None], rows.shape)[keep]
    graph = scipy.sparse.coo_matrix(
        (weights[keep], (heads, rows[keep].astype(np.int32))), shape=(n, len(reference))
    )
    n_epochs = PLACE_EPOCHS_FEW if n <= 10_000 else PLACE_EPOCHS_MANY
    optimise(
        coords,
        reference,
        graph,
        model,
        n_epochs=n_epochs,
        alpha=float(model["learning_rate"]) / 4.0,
        move_other=False,
        seed=seed,
        progress=report.stage(0.05, 1.0),
        what="placing points",
    )
    report.done()
    return coords
