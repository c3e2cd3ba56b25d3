"""Aligning one map onto another over the points they share, so that "the same place"
means the same thing on both (a model's steps over training, or two spaces with shared keys).

Two parts, used together by a map computed against a reference map:

* :func:`seed_layout` — the new map starts from the reference: a shared point starts where
  it was; a point the reference lacks starts where its nearest shared neighbour (in the new
  vectors) was, plus a little jitter so that no two points coincide.
* :func:`procrustes` — after the layout, the similarity (rotation or reflection, uniform
  scale, translation) that best maps the new map's shared points onto the reference's, in
  least squares (orthogonal Procrustes), applied to every point. The layout itself is not
  bent: distances within the new map only change by one common factor.

Example:
    >>> start = seed_layout(vectors, shared, reference_coords, metric="cosine")
    >>> coords = project("umap", vectors, initial=start).coords
    >>> fit = procrustes(coords[shared], reference_coords)
    >>> aligned = fit.apply(coords)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chroma.compute.neighbours import AnnIndex, Metric, exact_search
from chroma.core.errors import InvalidInput

from .knn import F32

EXACT_NEAREST_PAIRS = 2_000_000_000
"""New x shared points up to which new points find their nearest shared one exactly, by
blocked matrix products (2,000 new among 100k shared: ~1 s); an HNSW index above, whose
build alone costs more than that (~13 s for 100k x 64)."""
JITTER = 1e-3
"""Relative spread of the points that start on one shared neighbour's place."""

F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Similarity:
    """``x -> scale * (x - source_mean) @ rotation + target_mean`` (rotation orthogonal)."""

    rotation: F64
    scale: float
    source_mean: F64
    target_mean: F64
    residual: float
    """Root-mean-square distance left between the mapped source and the target points."""

    def apply(self, coords: npt.ArrayLike) -> F32:
        points = np.asarray(coords, dtype=np.float64)
        mapped = self.scale * (points - self.source_mean) @ self.rotation + self.target_mean
        return np.ascontiguousarray(mapped, dtype=np.float32)


def procrustes(source: npt.ArrayLike, target: npt.ArrayLike) -> Similarity:
    """The similarity mapping ``source`` points (``[N, 2]``) closest onto ``target`` (the same
    points on the reference map, same order), reflections allowed.

    Example:
        >>> fit = procrustes(new_coords[shared], reference_coords)
        >>> fit.apply(new_coords)  # the whole new map, on the reference's frame
    """
    a = np.asarray(source, dtype=np.float64)
    b = np.asarray(target, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or len(a) == 0:
        raise InvalidInput(
            f"aligning needs the same points on both maps; got {a.shape} and {b.shape}",
            where="align_to",
        )
    a_mean, b_mean = a.mean(axis=0), b.mean(axis=0)
    a0, b0 = a - a_mean, b - b_mean
    # max trace(R^T A^T B) over orthogonal R: R = U V^T from the SVD of A^T B
    u, singular, vt = np.linalg.svd(a0.T @ b0)
    rotation = u @ vt
    spread = float((a0**2).sum())
    scale = float(singular.sum()) / spread if spread > 0 else 1.0
    mapped = scale * a0 @ rotation
    residual = float(np.sqrt(((mapped - b0) ** 2).sum(axis=1).mean()))
    return Similarity(rotation, scale, a_mean, b_mean, residual)


def seed_layout(
    vectors: F32,
    shared: Mask,
    reference_coords: npt.ArrayLike,
    *,
    metric: Metric,
    seed: int | None = None,
) -> F32:
    """An initial layout of all ``vectors`` (``[N, D]``) from a reference map.

    ``shared`` marks the rows the reference map holds; ``reference_coords`` are their
    places on it, in row order (``[shared.sum(), 2]``). Every other row starts at its
    nearest shared row's place (nearest in ``vectors``, on ``metric``), jittered.
    """
    reference = np.asarray(reference_coords, dtype=np.float32)
    shared_rows = np.flatnonzero(shared)
    new_rows = np.flatnonzero(~shared)
    if len(shared_rows) == 0:
        raise InvalidInput("the map to align to shares no point with this one", where="align_to")
    if reference.shape != (len(shared_rows), 2):
        raise InvalidInput(
            f"{len(shared_rows)} shared points but {len(reference)} reference places",
            where="align_to",
        )
    coords = np.empty((len(vectors), 2), dtype=np.float32)
    coords[shared_rows] = reference
    if len(new_rows):
        nearest = _nearest_shared(vectors[shared_rows], vectors[new_rows], metric)
        span = float(np.ptp(reference, axis=0).max()) or 1.0
        rng = np.random.default_rng(seed)
        jitter = rng.normal(scale=JITTER * span, size=(len(new_rows), 2))
        coords[new_rows] = reference[nearest] + jitter.astype(np.float32)
    return coords


def _nearest_shared(shared_vectors: F32, new_vectors: F32, metric: Metric) -> npt.NDArray[np.int64]:
    """Row (in ``shared_vectors``) of each new vector's nearest shared vector."""
    if len(shared_vectors) * len(new_vectors) <= EXACT_NEAREST_PAIRS:
        found, _ = exact_search(shared_vectors, new_vectors, 1, metric=metric)
    else:
        labels = np.arange(len(shared_vectors), dtype=np.int64)
        found, _ = AnnIndex.build(shared_vectors, labels, metric=metric).query(new_vectors, 1)
    return np.asarray(found[:, 0], dtype=np.int64).clip(0)
