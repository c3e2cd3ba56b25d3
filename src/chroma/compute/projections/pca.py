"""PCA to two dimensions, exact, in O(D^2) memory whatever the number of points.

The covariance matrix is accumulated block by block (float64 accumulators), so 1M x 384
float32 vectors are never copied whole, centred or converted to float64; its top two
eigenvectors are the principal axes (signs fixed like scikit-learn's ``svd_flip``, the
largest loading of each axis positive, so the result does not flip between runs).

For ``cosine`` the rows are unit-normalised before the PCA, and again when placing new
points: the model says so (``normalise``), so placement is always the very transform the
fit applied.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chroma.compute.progress import Progress, Reporter
from chroma.core.errors import InvalidInput

from .knn import F32

_BLOCK = 65_536


def _rows(vectors: F32, start: int, normalise: bool) -> F32:
    block = vectors[start : start + _BLOCK]
    if not normalise:
        return block
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    norms[norms == 0] = 1
    unit: F32 = (block / norms).astype(np.float32, copy=False)
    return unit


def fit(
    vectors: F32, p: dict[str, Any], *, metric: str, progress: Progress | None = None
) -> tuple[F32, dict[str, Any]]:
    """The PCA layout of ``vectors`` and its model: ``mean`` [D], ``components`` [2, D]."""
    report = Reporter(progress)
    n, dim = vectors.shape
    normalise = metric == "cosine"
    total = np.zeros(dim, dtype=np.float64)
    for start in range(0, n, _BLOCK):
        total += _rows(vectors, start, normalise).sum(axis=0, dtype=np.float64)
    mean = (total / n).astype(np.float32)
    scatter = np.zeros((dim, dim), dtype=np.float64)
    for start in range(0, n, _BLOCK):
        centred = _rows(vectors, start, normalise) - mean
        scatter += centred.T @ centred
        report(0.8 * min(1.0, (start + _BLOCK) / n), "computing the covariance")
    values, axes = np.linalg.eigh(scatter)
    top = axes[:, np.argsort(values)[::-1][:2]].T  # [2, D], largest variance first
    if len(top) < 2:  # one dimension only: the second axis is empty
        top = np.vstack([top, np.zeros((2 - len(top), dim))])
    signs = np.sign(top[np.arange(2), np.argmax(np.abs(top), axis=1)])
    top *= np.where(signs == 0, 1, signs)[:, None]
    model: dict[str, Any] = {
        "mean": mean,
        "components": np.ascontiguousarray(top, dtype=np.float32),
        "normalise": int(normalise),
        "explained_variance": (np.sort(values)[::-1][:2] / max(n - 1, 1)).astype(np.float32),
    }
    coords = transform(model, vectors)
    report.done()
    return coords, model


def transform(model: dict[str, Any], vectors: F32) -> F32:
    """``vectors`` mapped by a fitted PCA ``model`` (block by block)."""
    components = np.asarray(model["components"], dtype=np.float32)
    mean = np.asarray(model["mean"], dtype=np.float32)
    if vectors.shape[1] != components.shape[1]:
        raise InvalidInput(
            f"vectors have {vectors.shape[1]} dimensions, the PCA model {components.shape[1]}",
            where="new_vectors",
        )
    shift = mean @ components.T
    out = np.empty((len(vectors), 2), dtype=np.float32)
    for start in range(0, len(vectors), _BLOCK):
        block = _rows(vectors, start, bool(model["normalise"]))
        np.matmul(block, components.T, out=out[start : start + _BLOCK])
        out[start : start + _BLOCK] -= shift
    return out


def principal_coords(data: F32, rng: np.random.Generator, *, sample: int = 50_000) -> F32:
    """``data`` on its first two principal axes (fitted on a sample): an initial layout.

    Always ``[N, 2]``: with fewer than two dimensions (or constant data) the missing axis
    is all zeros. No warnings on degenerate data, unlike scikit-learn's PCA.
    """
    n = len(data)
    rows = data if n <= sample else data[np.sort(rng.choice(n, sample, replace=False))]
    mean = rows.mean(axis=0, dtype=np.float64)
    _, _, axes = np.linalg.svd(rows - mean, full_matrices=False)
    axes = axes[:2].astype(np.float32)
    coords = np.zeros((n, 2), dtype=np.float32)
    coords[:, : len(axes)] = data @ axes.T - (mean @ axes.T).astype(np.float32)
    return coords
