"""The benchmarks' generated data: a Gaussian mixture of unit-normalised float32 vectors.

50 clusters in 384 dimensions, like sentence embeddings of a corpus with topics. Each
cluster is a Gaussian around its centre with a shared covariance whose spectrum decays
(variance of the j-th principal direction ~ 1/j), as real embeddings' spectra do: an
isotropic 384-dimensional Gaussian has no neighbourhood structure at all inside a cluster
(every point is about equally far from every other), which no real model produces and
which makes every neighbour method look random. Generated in blocks: no float64 copy of
a million rows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DIM = 384
CLUSTERS = 50


def gaussian_mixture(
    n: int,
    *,
    dim: int = DIM,
    clusters: int = CLUSTERS,
    spread: float = 0.6,
    decay: float = 0.5,
    seed: int = 0,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """``n`` unit vectors and their cluster labels.

    The mixture itself (centres, covariance) depends only on ``dim``/``clusters``/
    ``spread``/``decay``; ``seed`` draws the points, so two seeds give two samples of the
    same distribution (data and held-out queries).
    """
    shape = np.random.default_rng(12345)
    centres = shape.normal(size=(clusters, dim)).astype(np.float32)
    rotation, _ = np.linalg.qr(shape.normal(size=(dim, dim)))
    scale = np.arange(1, dim + 1, dtype=np.float64) ** -decay
    scale *= np.sqrt(dim) / np.linalg.norm(scale)  # same total variance as isotropic noise
    basis = (spread * scale[:, None] * rotation.T).astype(np.float32)

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, clusters, size=n)
    out = np.empty((n, dim), dtype=np.float32)
    block = 100_000
    for start in range(0, n, block):
        stop = min(start + block, n)
        noise = rng.standard_normal(size=(stop - start, dim), dtype=np.float32)
        out[start:stop] = centres[labels[start:stop]] + noise @ basis
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out, labels
