"""``place``: new points into an existing layout, the existing coordinates untouched."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from chroma.compute.progress import Progress, Reporter
from chroma.core.errors import InvalidInput

from . import pca, tsne, umap_
from .knn import F32, check_vectors, clean
from .params import ALGORITHMS


def place(
    algorithm: str,
    model: dict[str, Any],
    *,
    new_vectors: npt.ArrayLike,
    reference_coords: npt.ArrayLike,
    neighbour_rows: npt.ArrayLike | None = None,
    neighbour_distances: npt.ArrayLike | None = None,
    progress: Progress | None = None,
) -> F32:
    """Coordinates ``[n, 2]`` for ``new_vectors`` in a layout made by ``project``.

    ``model`` is the layout's :attr:`ProjectionResult.model`; ``reference_coords``
    ``[M, 2]`` are the coordinates of the points already laid out (read, never changed).
    ``neighbour_rows`` ``[n, k]`` hold each new point's nearest reference points (rows of
    ``reference_coords``, nearest first, ``-1`` = none) and ``neighbour_distances`` their
    distances on the layout's metric's scale (cosine: ``1 - cos``).

    - PCA: the exact linear map of the fit (the neighbours are not needed).
    - UMAP: each point starts at the membership-weighted mean of its neighbours, then a
      short SGD (umap-learn's ``transform``) moves only the new points.
    - t-SNE: each point at the median of its neighbours' coordinates.

    ``progress`` works as in :func:`~chroma.compute.projections.project`.
    """
    if algorithm not in ALGORITHMS:
        raise InvalidInput(
            f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}",
            where="algorithm",
        )
    report = Reporter(progress)
    if algorithm == "pca":
        coords = pca.transform(model, check_vectors(new_vectors, "new_vectors"))
        report.done()
        return coords
    n = len(np.asarray(new_vectors)) if new_vectors is not None else None
    reference = np.asarray(reference_coords)
    if reference.ndim != 2 or reference.shape[1] != 2 or not np.isfinite(reference).all():
        raise InvalidInput(
            f"reference_coords must be finite [M, 2], got shape {reference.shape}",
            where="reference_coords",
        )
    if neighbour_rows is None or neighbour_distances is None:
        raise InvalidInput(
            f"{algorithm} placement needs each new point's neighbours", where="neighbour_rows"
        )
    rows = np.ascontiguousarray(neighbour_rows, dtype=np.int64)
    distances = np.ascontiguousarray(neighbour_distances, dtype=np.float32)
    if rows.ndim != 2 or rows.shape != distances.shape or (n is not None and len(rows) != n):
        raise InvalidInput(
            f"neighbour_rows and neighbour_distances must both be [{n}, k]; got {rows.shape} "
            f"and {distances.shape}",
            where="neighbour_rows",
        )
    if rows.size and (rows.min() < -1 or rows.max() >= len(reference)):
        raise InvalidInput(
            "neighbour_rows must be -1 or rows of reference_coords", where="neighbour_rows"
        )
    rows, distances = clean(rows, distances)
    if algorithm == "umap":
        coords = umap_.place(model, reference, rows, distances, report.stage(0.0, 1.0))
    else:
        coords = tsne.place(reference, rows, report.stage(0.0, 1.0))
    report.done()
    return coords
