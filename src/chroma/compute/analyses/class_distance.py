"""Class distance: Mahalanobis distance of each embedding to each class's distribution.

Each class is one Gaussian fitted on its labelled reference rows, the class-conditional
Gaussians of Lee et al. (2018, "A Simple Unified Framework for Detecting
Out-of-Distribution Samples and Adversarial Attacks"), with per-class covariances. Four
choices keep it well conditioned, robust and fast whatever the dimension:

- **A shared PCA to at most** :data:`DIMS` **dimensions**, fitted on the labelled reference
  rows. A 384-dimensional covariance estimated from a few dozen rows of a class is
  singular; in 64 dimensions, with shrinkage, it is not, and the per-row cost drops from
  ``D^2`` to ``64^2`` per class. (Shrinking towards a pooled covariance was the other
  candidate: it keeps ``D^2`` per class and row, 36x the work at 384 dimensions.)
- **The rest of the space is not thrown away**: each class keeps an isotropic variance for
  the residual (what the 64 axes do not explain), as in probabilistic PCA (Tipping & Bishop,
  1999). The class's covariance in the full space is then ``P S_c P^T + s_c^2 (I - P P^T)``,
  full rank, and the distance adds ``|residual|^2 / s_c^2`` to the in-subspace term. A
  point off the reference's subspace is therefore far, as it should be: Kamoi & Kobayashi
  (2020) show that the low-variance directions carry much of the Mahalanobis distance's
  power to spot out-of-distribution inputs.
- **Ledoit-Wolf shrinkage** (Ledoit & Wolf, 2004, "A well-conditioned estimator for
  large-dimensional covariance matrices") of each class's in-subspace covariance towards
  a scaled identity, in the closed form scikit-learn's ``ledoit_wolf`` uses, computed from
  accumulated moments so that no class's rows are copied whole.
- **A robust fit**: mislabelled reference rows would inflate their (wrong) class's
  covariance towards their true class and hide themselves; each class is refitted on its
  core (see :func:`_robust_fit`), which takes a 200-dimensional test's flipped-vs-clean
  AUROC from 0.87 to 1.0.

Cost: the fit reads each labelled reference row a few times (``O(N_ref D r)``); measuring
reads every row once, in blocks of :data:`BLOCK` rows, ``O(N (D r + C r^2))`` for ``C``
classes and ``r`` kept dimensions; memory ``O(BLOCK (D + C) + C r^2)``, no copy of the
vectors. 1M x 384 with 50 classes (half of them reference): 27 s, no memory beyond the
input's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput

from ._common import F32, F64, I64, check_length, label_codes

MIN_CLASS_SIZE = 5
DIMS = 64
"""Dimensions of the shared PCA the class Gaussians live in (plus one residual variance)."""
PCA_SAMPLE = 100_000
"""Reference rows the shared PCA basis is fitted on (a basis needs no more)."""
BLOCK = 16_384
REWEIGHT_STEPS = 5
"""At most this many robust refits of a class (2-3 usually reach a fixed point)."""


@dataclass
class ClassDistances:
    own_distance: npt.NDArray[np.float32]
    """(n,) distance to the row's own label's class; NaN when unlabelled or class unfitted."""
    nearest_class: npt.NDArray[np.object_]
    """(n,) the fitted class with the smallest distance (str), for every row."""
    nearest_distance: npt.NDArray[np.float32]
    """(n,) that smallest distance."""
    fitted: dict[str, int] = field(default_factory=dict)
    """Class -> reference rows it was fitted on."""
    too_small: dict[str, int] = field(default_factory=dict)
    """Class -> reference rows, for classes with fewer than ``min_class_size`` (not fitted)."""


@dataclass
class _Model:
    mean: F32
    """(D,) mean of the rows the basis was fitted on."""
    basis: F32 | None
    """(D, r) orthonormal axes, or None when D <= dims (the space itself is used)."""
    class_shift: F32
    """(C, D) class means minus ``mean``."""
    class_centre: F32
    """(C, r) class means in the reduced space."""
    whiten: F32
    """(C, r, r) ``W`` with ``|(z - centre) W|^2`` the in-subspace Mahalanobis term."""
    residual_inverse: F64
    """(C,) ``1 / s_c^2``, 0 when there is no residual (D <= dims)."""


def class_distances(
    vectors: npt.NDArray[np.float32],
    labels: npt.NDArray[np.object_],
    reference: npt.NDArray[np.bool_],
    *,
    min_class_size: int = MIN_CLASS_SIZE,
    dims: int = DIMS,
    reweight: bool = True,
) -> ClassDistances:
    """Fit one shrinkage (Ledoit-Wolf) Gaussian per class on the labelled ``reference`` rows
    and measure every row against each.

    Classes with fewer than ``min_class_size`` labelled reference rows are not fitted but
    reported in ``too_small`` (a label seen only outside the reference appears there with
    0). ``dims`` bounds the shared PCA the Gaussians are fitted in (see the module's notes);
    ``reweight`` fits each class on its core (a reweighted-MCD-like refit, see
    ``_robust_fit``), so that mislabelled reference rows do not hide themselves.

    Example:
        >>> result = class_distances(vectors, labels, dataset_codes == train)
        >>> suspicious = result.own_distance > np.nanquantile(result.own_distance, 0.99)

    Raises:
        InvalidInput: no labelled reference rows, or no class reaches ``min_class_size``.
    """
    vectors = _check_vectors(vectors)
    n = len(vectors)
    check_length(labels, n, "labels")
    check_length(reference, n, "reference")
    if min_class_size < 2:
        raise InvalidInput("min_class_size must be at least 2", where="min_class_size")
    if dims < 1:
        raise InvalidInput("dims must be at least 1", where="dims")
    (codes,), classes = label_codes(labels)
    in_reference = np.asarray(reference, dtype=bool) & (codes >= 0)
    if not in_reference.any():
        raise InvalidInput("no labelled reference rows to fit classes on", where="reference")
    counts = np.bincount(codes[in_reference], minlength=len(classes))
    is_fitted = counts >= min_class_size
    too_small = {classes[c]: int(counts[c]) for c in np.flatnonzero(~is_fitted)}
    if not is_fitted.any():
        raise InvalidInput(
            f"no class has {min_class_size} labelled reference rows (min_class_size)",
            where="labels",
        )
    fitted_codes = np.flatnonzero(is_fitted)
    fit_rows = np.flatnonzero(in_reference & is_fitted[np.maximum(codes, 0)])
    model = _fit(vectors, fit_rows, codes, fitted_codes, dims, reweight)

    # Position of each row's own class among the fitted ones, -1 when none.
    slot = np.full(len(classes) + 1, -1, dtype=np.int64)
    slot[fitted_codes] = np.arange(len(fitted_codes))
    own_slot = slot[codes]  # codes == -1 reads the extra last entry, -1
    own = np.full(n, np.nan, dtype=np.float32)
    nearest_slot = np.empty(n, dtype=np.int64)
    nearest = np.empty(n, dtype=np.float32)
    for start in range(0, n, BLOCK):
        dist = _measure(model, vectors[start : start + BLOCK])
        stop = start + len(dist)
        best = np.argmin(dist, axis=1)
        nearest_slot[start:stop] = best
        nearest[start:stop] = dist[np.arange(len(dist)), best]
        has = own_slot[start:stop] >= 0
        own[start:stop][has] = dist[np.flatnonzero(has), own_slot[start:stop][has]]
    names = np.array([classes[c] for c in fitted_codes], dtype=object)
    return ClassDistances(
        own_distance=own,
        nearest_class=names[nearest_slot],
        nearest_distance=nearest,
        fitted={classes[c]: int(counts[c]) for c in fitted_codes},
        too_small=too_small,
    )


def _check_vectors(vectors: npt.NDArray[np.float32]) -> F32:
    array = np.asarray(vectors)
    if array.ndim != 2 or array.shape[1] == 0:
        raise InvalidInput(f"expected (n, D) vectors, got shape {array.shape}", where="vectors")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
    out: F32 = array.astype(np.float32, copy=False)
    for start in range(0, len(out), BLOCK):
        block = out[start : start + BLOCK]
        if not np.isfinite(block).all():
            bad = start + int(np.argmin(np.isfinite(block).all(axis=1)))
            raise InvalidInput("a vector holds NaN or infinity", where=f"vectors[{bad}]")
    return out


def _fit(
    vectors: F32, fit_rows: I64, codes: I64, fitted_codes: I64, dims: int, reweight: bool
) -> _Model:
    dim = vectors.shape[1]
    sample = fit_rows
    if len(sample) > PCA_SAMPLE:  # fixed seed: the same data gives the same basis
        sample = np.sort(np.random.default_rng(0).choice(fit_rows, PCA_SAMPLE, replace=False))
    mean = _mean(vectors, sample)
    basis = _pca_basis(vectors, sample, mean, dims) if dim > dims else None
    rank = dim if basis is None else basis.shape[1]

    count = len(fitted_codes)
    class_shift = np.empty((count, dim), dtype=np.float32)
    class_centre = np.empty((count, rank), dtype=np.float32)
    whiten = np.empty((count, rank, rank), dtype=np.float32)
    residual_inverse = np.zeros(count, dtype=np.float64)
    order = fit_rows[np.argsort(codes[fit_rows], kind="stable")]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes[order])[fitted_codes])])
    for slot in range(count):
        rows = order[bounds[slot] : bounds[slot + 1]]
        one = (_robust_fit if reweight else _fit_class)(vectors, rows, mean, basis)
        class_shift[slot] = one.class_shift[0]
        class_centre[slot] = one.class_centre[0]
        whiten[slot] = one.whiten[0]
        residual_inverse[slot] = one.residual_inverse[0]
    return _Model(mean, basis, class_shift, class_centre, whiten, residual_inverse)


def _fit_class(vectors: F32, rows: I64, mean: F32, basis: F32 | None) -> _Model:
    """One class's Gaussian (a one-class :class:`_Model`) from its rows, in two passes:
    the mean, then the centred moments (scatter, sum of ``|z|^4``, residual energy)."""
    dim = vectors.shape[1]
    rank = dim if basis is None else basis.shape[1]
    centre_full = _mean(vectors, rows)
    scatter = np.zeros((rank, rank), dtype=np.float64)
    fourth = 0.0  # sum of |z|^4, for the Ledoit-Wolf shrinkage intensity
    residual = 0.0
    for start in range(0, len(rows), BLOCK):
        centred = vectors[rows[start : start + BLOCK]] - centre_full
        reduced = centred if basis is None else centred @ basis
        # float32 products (sgemm, 5x faster), float64 accumulators across blocks
        scatter += (reduced.T @ reduced).astype(np.float64)
        squared = np.einsum("ij,ij->i", reduced, reduced).astype(np.float64)
        fourth += float(np.square(squared).sum())
        if basis is not None:
            full = np.einsum("ij,ij->i", centred, centred).astype(np.float64)
            residual += float(np.maximum(full - squared, 0).sum())
    covariance = _ledoit_wolf(scatter, fourth, len(rows))
    shift = (centre_full - mean).astype(np.float32)
    residual_inverse = np.zeros(1, dtype=np.float64)
    if basis is not None:
        variance = residual / (len(rows) * (dim - rank))
        # floor: a class lying exactly in the subspace must not divide by zero
        floor = 1e-6 * float(np.trace(covariance)) / rank + 1e-12
        residual_inverse[0] = 1.0 / max(variance, floor)
    return _Model(
        mean=mean,
        basis=basis,
        class_shift=shift[None, :],
        class_centre=(shift if basis is None else shift @ basis)[None, :],
        whiten=_inverse_root(covariance)[None],
        residual_inverse=residual_inverse,
    )


def _own_distance(one: _Model, vectors: F32, rows: I64) -> F64:
    parts = [_measure(one, vectors[rows[s : s + BLOCK]])[:, 0] for s in range(0, len(rows), BLOCK)]
    out: F64 = np.concatenate(parts).astype(np.float64)
    return out


def _robust_fit(vectors: F32, rows: I64, mean: F32, basis: F32 | None) -> _Model:
    """A class's Gaussian fitted on its core, not on rows that do not belong to it.

    Mislabelled rows sit far from their (wrong) class and inflate its covariance along the
    direction of their true class, which hides them. As in the reweighted minimum
    covariance determinant (Rousseeuw & Van Driessen, 1999): a first fit, a refit on the
    half of the rows closest to it (a "C-step", robust to up to 50% of strays), then refits
    on the rows within a robust 3-sigma cut of the distances (median + 3 x 1.4826 MAD)
    until the kept rows stop changing. The cut adapts to the distances' actual spread:
    real embeddings are heavier-tailed than a chi-square, and a chi-square quantile would
    trim a third of a class.
    """
    one = _fit_class(vectors, rows, mean, basis)
    if len(rows) < 4:
        return one
    distance = _own_distance(one, vectors, rows)
    kept = distance <= np.median(distance)
    for _ in range(REWEIGHT_STEPS):
        one = _fit_class(vectors, rows[kept], mean, basis)
        distance = _own_distance(one, vectors, rows)
        centre = float(np.median(distance))
        spread = 1.4826 * float(np.median(np.abs(distance - centre)))
        inside = distance <= centre + 3 * spread
        if inside.sum() < 2 or (inside == kept).all():
            break
        kept = inside
    return one


def _mean(vectors: F32, rows: I64) -> F32:
    total = np.zeros(vectors.shape[1], dtype=np.float64)
    for start in range(0, len(rows), BLOCK):
        total += vectors[rows[start : start + BLOCK]].sum(axis=0, dtype=np.float64)
    mean: F32 = (total / max(len(rows), 1)).astype(np.float32)
    return mean


def _pca_basis(vectors: F32, rows: I64, mean: F32, dims: int) -> F32:
    """The top ``dims`` principal axes (D, r) of ``vectors[rows]``, scatter in float64."""
    dim = vectors.shape[1]
    scatter = np.zeros((dim, dim), dtype=np.float64)
    for start in range(0, len(rows), BLOCK):
        centred = vectors[rows[start : start + BLOCK]] - mean
        scatter += (centred.T @ centred).astype(np.float64)
    values, axes = np.linalg.eigh(scatter)
    top = np.argsort(values)[::-1][: min(dims, dim)]
    basis: F32 = np.ascontiguousarray(axes[:, top], dtype=np.float32)
    return basis


def _ledoit_wolf(scatter: F64, fourth: float, n: int) -> F64:
    """Ledoit-Wolf shrunk covariance from the centred scatter ``sum z z^T`` and
    ``sum |z|^4`` (the same estimate as ``sklearn.covariance.ledoit_wolf``)."""
    p = len(scatter)
    sample = scatter / n
    mu = float(np.trace(sample)) / p
    frobenius = float(np.square(sample).sum())
    delta = (frobenius - 2 * mu * float(np.trace(sample)) + p * mu**2) / p
    beta = (fourth / n - frobenius) / (p * n)
    shrinkage = 1.0 if delta <= 0 else min(max(beta, 0.0), delta) / delta
    shrunk: F64 = (1 - shrinkage) * sample + shrinkage * mu * np.eye(p)
    # A floor on every direction's variance, 0.1% of the average: Ledoit-Wolf's intensity
    # is 0 for two rows (then the covariance is singular), and tiny for a handful in many
    # dimensions; the floor bounds the condition number without moving a normal estimate.
    shrunk += np.eye(p) * (1e-3 * mu + 1e-12)
    return shrunk


def _inverse_root(covariance: F64) -> F32:
    """``W`` with ``W W^T = covariance^-1`` (the inverse transpose Cholesky factor)."""
    lower = np.linalg.cholesky(covariance)
    out: F32 = np.linalg.inv(lower).T.astype(np.float32)
    return out


def _measure(model: _Model, block: F32) -> F32:
    """(b, C) distances of a block of rows to every fitted class."""
    centred = block - model.mean
    reduced = centred if model.basis is None else centred @ model.basis
    count = len(model.class_shift)
    squared = np.empty((len(block), count), dtype=np.float64)
    if model.basis is not None:
        # |x - centre_c|^2 over the full space, expanded so no (b, C, D) array is formed
        norms = np.einsum("ij,ij->i", centred, centred).astype(np.float64)
        cross = (centred @ model.class_shift.T).astype(np.float64)
        shifts = np.einsum("ij,ij->i", model.class_shift, model.class_shift).astype(np.float64)
        full = norms[:, None] - 2 * cross + shifts[None, :]
    for slot in range(count):
        offset = reduced - model.class_centre[slot]
        white = offset @ model.whiten[slot]
        squared[:, slot] = np.einsum("ij,ij->i", white, white)
        if model.basis is not None:
            inside = np.einsum("ij,ij->i", offset, offset).astype(np.float64)
            residual = np.maximum(full[:, slot] - inside, 0)
            squared[:, slot] += residual * model.residual_inverse[slot]
    out: F32 = np.sqrt(squared).astype(np.float32)
    return out
