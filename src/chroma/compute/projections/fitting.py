"""``project``: a 2-D layout of vectors by PCA, UMAP or t-SNE."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from chroma.compute.progress import Progress, Reporter
from chroma.core.errors import InvalidInput

from . import landmarks, pca, tsne, umap_
from .knn import F32, Knn, check_metric, check_vectors
from .params import fit_size, validate_params

ModelValue = npt.NDArray[Any] | float | int


@dataclass
class ProjectionResult:
    """A layout and what placing new points into it later needs.

    ``coords`` are float32 ``[N, 2]``, row ``i`` for vector ``i``. ``model`` is small
    (scalars and, for PCA, the mean and two axes; never the data): store it with the
    coordinates and hand it to :func:`~chroma.compute.projections.place`. ``params`` are
    the validated parameters actually used, defaults filled in.
    """

    coords: F32
    model: dict[str, ModelValue]
    params: dict[str, Any] = field(default_factory=dict)


def project(
    algorithm: str,
    vectors: npt.ArrayLike,
    params: dict[str, Any] | None = None,
    *,
    metric: str = "cosine",
    knn: Knn | None = None,
    initial: npt.ArrayLike | None = None,
    progress: Progress | None = None,
) -> ProjectionResult:
    """Lay out ``vectors`` (float32 ``[N, D]``) in two dimensions.

    ``algorithm`` is ``pca``, ``umap`` or ``tsne``; ``params`` are checked by
    :func:`~chroma.compute.projections.validate_params` (errors name the parameter).
    ``metric`` (``cosine`` or ``l2``) is the vectors' distance. ``knn`` is the vectors' kNN
    graph, ``(rows int64 [N, k], distances float32 [N, k])`` without the point itself,
    nearest first, row ``-1`` for a missing neighbour, distances on ``metric``'s scale;
    UMAP uses its first ``n_neighbors - 1`` columns and t-SNE ``3 x perplexity``; when it
    is None or narrower, a graph is computed (PCA to 50 dimensions, then HNSW). Above
    ``params["landmarks"]`` points (UMAP: 100,000 by default) the layout is fitted on that
    many sampled points and the others are placed (see :mod:`.landmarks`; ``knn`` is then
    unused).

    ``initial`` (float ``[N, 2]``) is where UMAP and t-SNE start instead of their own
    initial layout (e.g. from a previous map: :func:`.alignment.seed_layout`); PCA has no
    start and ignores it.

    ``progress(fraction, message)`` is called often (at least every epoch or few
    iterations) with a non-decreasing fraction in [0, 1]; an exception it raises aborts
    the computation and propagates (that is how a job is cancelled).

    Example:
        >>> result = project("umap", vectors, {"n_neighbors": 30}, metric="cosine")
        >>> result.coords.shape
        (10000, 2)
    """
    vectors = check_vectors(vectors)
    checked_metric = check_metric(metric)
    n = len(vectors)
    p = validate_params(algorithm, params, n)
    start = _check_initial(initial, n)
    report = Reporter(progress)
    report(0.0, f"starting {algorithm} on {n:,} points", force=True)
    stage = report.stage(0.0, 1.0)
    if algorithm == "pca":
        coords, model = pca.fit(vectors, p, metric=checked_metric, progress=stage)
    elif fit_size(p, n) < n:
        coords, model = landmarks.fit(
            algorithm, vectors, p, metric=checked_metric, initial=start, progress=stage
        )
    else:
        fit_one = umap_.fit if algorithm == "umap" else tsne.fit
        coords, model = fit_one(
            vectors,
            p,
            metric=checked_metric,
            knn=knn,
            reduced=None,
            initial=start,
            progress=stage,
        )
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    if coords.shape != (n, 2) or not np.isfinite(coords).all():
        raise InvalidInput(  # a bug rather than bad input; never hand out NaN coordinates
            f"{algorithm} produced an invalid layout (shape {coords.shape}, non-finite values)",
            where="vectors",
        )
    report.done()
    return ProjectionResult(coords=coords, model=model, params=p)


def _check_initial(initial: npt.ArrayLike | None, n: int) -> F32 | None:
    if initial is None:
        return None
    start = np.ascontiguousarray(initial, dtype=np.float32)
    if start.shape != (n, 2) or not np.isfinite(start).all():
        raise InvalidInput(
            f"an initial layout is {n} finite (x, y) pairs; got shape {start.shape}",
            where="initial",
        )
    return start
