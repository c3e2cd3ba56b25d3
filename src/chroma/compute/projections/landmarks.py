"""Large layouts by landmarks: fit on a sample, place the rest like new points.

Above ``params["landmarks"]`` points, :func:`chroma.compute.projections.project` lays out a
uniform random sample of that many points (the landmarks) with the full algorithm, then
places every other point against the fixed landmark coordinates with the same machinery
as :func:`~chroma.compute.projections.place` (its neighbours among the landmarks, found
through one HNSW index of the landmarks that also gave the landmarks' own kNN graph). At
1M points this takes about a minute instead of several (UMAP), at a trustworthiness
within ~0.003 of a full fit (docs: MEASURED.md).

A kNN graph the caller passes for all points is not used here: its neighbours are
mostly not landmarks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chroma.compute.progress import Progress, Reporter

from . import tsne, umap_
from .knn import F32, Knn, Metric, build_index, knn_graph, query, reduce

Fit = Callable[..., tuple[F32, dict[str, Any]]]


def fit(
    algorithm: str,
    vectors: F32,
    p: dict[str, Any],
    *,
    metric: Metric,
    initial: F32 | None = None,
    progress: Progress | None,
) -> tuple[F32, dict[str, Any]]:
    """Lay out ``vectors`` through ``p["landmarks"]`` sampled points: ``(coords, model)``."""
    n = len(vectors)
    report = Reporter(progress)
    seed = p["random_state"]
    rng = np.random.default_rng(seed)
    chosen = np.zeros(n, dtype=bool)
    chosen[rng.choice(n, p["landmarks"], replace=False)] = True
    landmarks = np.flatnonzero(chosen)
    others = np.flatnonzero(~chosen)
    del chosen

    report(0.0, "reducing dimensions for the neighbour search", force=True)
    reduced = reduce(vectors, metric, seed=seed or 0)
    sample = reduced.subset(landmarks)
    report(0.04, f"indexing {len(landmarks):,} landmarks", force=True)
    index = build_index(sample.vectors, sample.search_metric, report.stage(0.04, 0.14))
    if algorithm == "umap":
        k_fit, k_place = p["n_neighbors"] - 1, p["n_neighbors"]
    else:
        k_fit = tsne.neighbours_needed(p["perplexity"], len(landmarks))
        k_place = min(k_fit, 25)  # openTSNE's median placement uses 25
    graph = knn_graph(sample, k_fit, report.stage(0.14, 0.2), index=index)

    fit_one: Fit = umap_.fit if algorithm == "umap" else tsne.fit
    coords_landmarks, model = fit_one(
        sample.vectors,  # only its length and (for the initial layout) its values are used
        p,
        metric=metric,
        knn=graph,
        reduced=sample,
        initial=None if initial is None else initial[landmarks],
        progress=report.stage(0.2, 0.6),
    )
    del graph
    report(0.6, f"finding landmark neighbours of {len(others):,} other points", force=True)
    found: Knn = query(index, reduced, others, k_place, report.stage(0.6, 0.8))
    del index, reduced, sample
    if algorithm == "umap":
        placed = umap_.place(
            model, coords_landmarks, found[0], found[1], report.stage(0.8, 1.0), seed=seed
        )
    else:
        placed = tsne.place(coords_landmarks, found[0], report.stage(0.8, 1.0))
    coords = np.empty((n, 2), dtype=np.float32)
    coords[landmarks] = coords_landmarks
    coords[others] = placed
    model["landmarks"] = len(landmarks)
    return coords, model
