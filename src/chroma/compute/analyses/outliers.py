"""Outliers and out-of-distribution inputs, measured against a reference set.

Every row is scored from its nearest *reference* rows (a training set, say) and, where
the analysis holds other rows too, from its nearest *other* rows:

- ``knn_distance``: the distance to the ``k``-th nearest reference row, the nonparametric
  OOD score of Sun et al. (2022, "Out-of-Distribution Detection with Deep Nearest
  Neighbors"; on unit-normalised embeddings, which a cosine space amounts to);
- ``density_score``: the local outlier factor (Breunig et al., 2000, "LOF: Identifying
  Density-Based Local Outliers") against the reference: the reference's local reachability
  density around a row over the row's own, ~1 inside the data, > 1 where a row is sparser
  than its neighbours;
- ``ood_score``, the main score, by ``method``:

  - ``"combined"`` (the default): how far a row lies from the nearest reference row, plus
    how much denser the *other* rows are around it than the reference is: the kNN
    density-ratio estimate ``log(mean distance to the k nearest reference rows / mean
    distance to the k nearest other rows)`` (Wang, Kulkarni & Verdu, 2009, "Divergence
    estimation for multidimensional densities via k-nearest-neighbor distances"; up to
    constants that do not change a ranking). Each part is a robust z-score against the
    reference's own values (median and MAD), and the score is their sum. The distance
    catches a lone odd row; the ratio catches a *new category*: a group of rows that
    neighbour each other and not the reference. On real text embeddings with whole
    categories held out (``benchmarks/real_ood.py``, ADR 0008; mean AUROC over 5 seeds,
    Debian synopses / Python docstrings): the nearest distance 0.89 / 0.81, cleanlab's kNN
    score 0.88 / 0.79, the ratio alone 0.96 / 0.93 but 0.87 / 0.78 when the new rows are a
    tenth of production, the combination 0.97 / 0.93 and 0.91 / 0.83 there. Without other
    rows (or fewer than ``k + 1``) the ratio is left out and the score is the distance
    part alone;
  - ``"knn"``: the ``k``-th reference distance alone (as a robust z-score of its log):
    scores that do not depend on which other rows are analysed.

The ``ood`` flag is ``ood_score`` above the reference's own ``quantile`` of it, measured
leave-one-out (a reference row's lists never hold itself, and its other-rows list holds
no reference row), so ``quantile=0.95`` flags about 5% of the reference, and about 5% of
other rows drawn like it: the target false-positive rate is ``1 - quantile``, in every
space, with no threshold to pick by hand.

Cost: ``O(n k)`` from the neighbour lists, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput

from ._common import F64, I64, Bool, check_length, check_lists

METHODS = ("combined", "knn")
DEFAULT_METHOD = "combined"
DEFAULT_QUANTILE = 0.95
"""The flag's reference quantile: a 5% false-positive rate (see ADR 0008's measurements)."""


@dataclass
class Outliers:
    knn_distance: npt.NDArray[np.float32]
    """(n,) distance to the k-th nearest reference row (a reference row never counts itself)."""
    density_score: npt.NDArray[np.float32]
    """(n,) local outlier factor against the reference: ~1 inside, > 1 outside."""
    ood_score: npt.NDArray[np.float32]
    """(n,) the ``method``'s score: 0 for a typical reference row, higher = farther out."""
    ood: npt.NDArray[np.bool_]
    """(n,) ``ood_score`` above ``threshold``."""
    threshold: float
    """The reference's own ``quantile`` of leave-one-out ``ood_score``."""
    method: str = DEFAULT_METHOD
    parts: list[str] = field(default_factory=list)
    """What ``ood_score`` sums: ``"distance"``, ``"density_ratio"``, or ``"knn_distance"``."""


def outlier_scores(
    reference_neighbours: npt.NDArray[np.int64],
    reference_distances: npt.NDArray[np.float32],
    reference: npt.NDArray[np.bool_],
    *,
    k: int = 10,
    quantile: float = DEFAULT_QUANTILE,
    method: str = DEFAULT_METHOD,
    other_neighbours: npt.NDArray[np.int64] | None = None,
    other_distances: npt.NDArray[np.float32] | None = None,
) -> Outliers:
    """Score every row from its nearest *reference* rows (and nearest other rows).

    ``reference_neighbours``/``reference_distances`` are (n, >= k) neighbour lists of every
    row searched among reference rows only (self excluded); ``other_neighbours`` /
    ``other_distances``, optional, the same searched among the non-reference rows (self
    excluded), for the ``"combined"`` method's density ratio. Neighbours are row positions
    in the same arrays (``0..n-1``), so a reference neighbour's own list is at its row.

    Example:
        >>> train = dataset_codes == 0
        >>> rows, dist = exact_search(vectors[train], vectors, 11)  # then map and drop self
        >>> others, other_dist = exact_search(vectors[~train], vectors, 11)  # the same
        >>> result = outlier_scores(rows, dist, train, k=10, other_neighbours=others,
        ...                         other_distances=other_dist)
        >>> ood_summary(result.ood, dataset_codes, ["train", "production"])

    Raises:
        InvalidInput: fewer than ``k + 1`` reference rows, an unknown ``method``, a
            neighbour on the wrong side, or only one of the other lists.
    """
    is_reference = np.asarray(reference, dtype=bool)
    if k < 1:
        raise InvalidInput("k must be at least 1", where="k")
    if not 0 < quantile < 1:
        raise InvalidInput("quantile must lie strictly between 0 and 1", where="quantile")
    if method not in METHODS:
        raise InvalidInput(f"method must be one of {', '.join(METHODS)}", where="method")
    count = int(is_reference.sum())
    if count < k + 1:
        raise InvalidInput(
            f"{count} reference rows: at least k + 1 = {k + 1} are needed", where="reference"
        )
    rows, dist64, valid = _lists(
        reference_neighbours, reference_distances, is_reference, k, "reference_neighbours"
    )
    # Too few neighbours found (a broken list): the k-th distance is unknown, call it far.
    kth = np.where(valid[:, -1], dist64[:, -1], np.inf)
    lrd = _reachability_density(rows, dist64, valid, kth)
    with np.errstate(divide="ignore", invalid="ignore"):
        neighbour_lrd = np.where(valid, lrd[np.maximum(rows, 0)], 0).sum(axis=1) / np.maximum(
            valid.sum(axis=1), 1
        )
        lof = neighbour_lrd / lrd
    lof[~np.isfinite(lof)] = np.inf

    floor = _floor(dist64[valid])
    if method == "knn":
        score, parts = _robust_z(np.log(np.maximum(kth, floor)), is_reference), ["knn_distance"]
    else:
        nearest = np.where(valid[:, 0], dist64[:, 0], np.inf)
        score, parts = _robust_z(np.log(np.maximum(nearest, floor)), is_reference), ["distance"]
        ratio = _density_ratio(
            dist64, valid, is_reference, k, floor, other_neighbours, other_distances
        )
        if ratio is not None:
            score, parts = score + _robust_z(ratio, is_reference), [*parts, "density_ratio"]
    own = score[is_reference]
    own = own[np.isfinite(own)]
    threshold = float(np.quantile(own, quantile)) if len(own) else float("inf")
    return Outliers(
        knn_distance=kth.astype(np.float32),
        density_score=lof.astype(np.float32),
        ood_score=score.astype(np.float32),
        ood=score > threshold,
        threshold=threshold,
        method=method,
        parts=parts,
    )


def _lists(
    neighbours: npt.NDArray[np.int64],
    distances: npt.NDArray[np.float32],
    side: Bool,
    k: int,
    where: str,
) -> tuple[I64, F64, Bool]:
    """The first ``k`` neighbours, their float64 distances and which entries are real;
    every neighbour must be a row of ``side`` (the reference, or the other rows)."""
    rows, dist = check_lists(neighbours, distances, len(side), where=where, min_k=k)
    rows, dist64 = rows[:, :k], dist[:, :k].astype(np.float64)
    valid = (rows >= 0) & np.isfinite(dist64)
    if (valid & ~side[np.maximum(rows, 0)]).any():
        wanted = "reference rows" if where == "reference_neighbours" else "non-reference rows"
        raise InvalidInput(f"a neighbour is not among the {wanted}: search those only", where=where)
    return rows, dist64, valid


def _density_ratio(
    reference_dist: F64,
    reference_valid: Bool,
    is_reference: Bool,
    k: int,
    floor: float,
    other_neighbours: npt.NDArray[np.int64] | None,
    other_distances: npt.NDArray[np.float32] | None,
) -> F64 | None:
    """``log`` of the mean distance to the k nearest reference rows over the same to the k
    nearest other rows: > 0 where the other rows are denser than the reference. None when
    there are no other lists or fewer than ``k + 1`` other rows (no ratio to speak of)."""
    if (other_neighbours is None) != (other_distances is None):
        raise InvalidInput(
            "give both other_neighbours and other_distances, or neither", where="other_neighbours"
        )
    if other_neighbours is None or other_distances is None or (~is_reference).sum() < k + 1:
        return None
    _, other_dist, other_valid = _lists(
        other_neighbours, other_distances, ~is_reference, k, "other_neighbours"
    )
    near_reference = _mean_valid(reference_dist, reference_valid)
    near_other = _mean_valid(other_dist, other_valid)
    ratio: F64 = np.log(np.maximum(near_reference, floor)) - np.log(np.maximum(near_other, floor))
    return ratio


def _mean_valid(dist: F64, valid: Bool) -> F64:
    """Mean of each row's real distances; infinity for a row with none (nothing near)."""
    found = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean: F64 = np.where(valid, dist, 0).sum(axis=1) / found
    mean[found == 0] = np.inf
    return mean


def _floor(distances: F64) -> float:
    """A distance below which all are alike: exact duplicates (distance 0) stay finite in a
    log or a density, very close, not infinitely so."""
    positive = distances[distances > 0]
    floor = 1e-6 * float(np.median(positive)) if len(positive) else 0.0
    return floor if floor > 0 else 1e-12


def _robust_z(values: F64, is_reference: Bool) -> F64:
    """``values`` in robust standard deviations of the reference's own values: (x - median)
    / (1.4826 MAD), the MAD's normal-consistent scale, so that parts of different units
    add up, and a few extreme reference rows do not set the scale."""
    own = values[is_reference & np.isfinite(values)]
    if not len(own):
        return values
    centre = float(np.median(own))
    spread = 1.4826 * float(np.median(np.abs(own - centre)))
    if not spread > 0:  # most of the reference alike (copies): fall back to the std
        spread = float(np.std(own))
    z: F64 = (values - centre) / (spread if spread > 0 else 1.0)
    return z


def _reachability_density(
    rows: npt.NDArray[np.int64], dist: F64, valid: npt.NDArray[np.bool_], kth: F64
) -> F64:
    """LOF's local reachability density: 1 / mean over neighbours o of
    max(k-distance(o), d(p, o)), floored (see :func:`_floor`)."""
    reach = np.maximum(kth[np.maximum(rows, 0)], dist)
    mean_reach = np.where(valid, reach, 0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    density: F64 = 1.0 / np.maximum(mean_reach, _floor(kth[np.isfinite(kth)]))
    density[~valid.any(axis=1)] = 0.0
    return density


def ood_summary(
    ood: npt.NDArray[np.bool_], dataset_codes: npt.NDArray[np.int32], names: list[str]
) -> dict[str, dict[str, float]]:
    """Per dataset: ``{"rows": n, "outside": count, "fraction": share}``.

    ``dataset_codes`` index ``names``; a dataset without rows reports a NaN fraction.
    """
    flags = np.asarray(ood, dtype=bool)
    check_length(dataset_codes, len(flags), "dataset_codes")
    codes = np.asarray(dataset_codes, dtype=np.int64)
    if len(codes) and (codes.min() < 0 or codes.max() >= len(names)):
        raise InvalidInput(f"dataset codes must lie in 0..{len(names) - 1}", where="dataset_codes")
    rows = np.bincount(codes, minlength=len(names))
    outside = np.bincount(codes, weights=flags, minlength=len(names))
    return {
        name: {
            "rows": int(rows[i]),
            "outside": int(outside[i]),
            "fraction": float(outside[i] / rows[i]) if rows[i] else float("nan"),
        }
        for i, name in enumerate(names)
    }
