"""Outliers and out-of-distribution inputs, measured against a reference set.

Two scores per row, both from its nearest *reference* rows (a training set, say):

- the distance to the ``k``-th nearest reference row, the nonparametric OOD score of Sun
  et al. (2022, "Out-of-Distribution Detection with Deep Nearest Neighbors"; on
  unit-normalised embeddings, which a cosine space amounts to). The OOD flag thresholds it
  at the reference's own ``quantile`` of the same distance, measured leave-one-out (a
  reference row's list never holds itself), so ``quantile=0.95`` flags about 5% of the
  reference itself and whatever lies farther than that in other datasets: no threshold to
  pick by hand, and the same meaning in every space;
- the local outlier factor (Breunig et al., 2000, "LOF: Identifying Density-Based Local
  Outliers") against the reference: the reference's local reachability density around a
  row over the row's own, ~1 inside the data, > 1 where a row is sparser than its
  neighbours. It adapts to density: a point between two tight clusters stands out even
  where a loose cluster's members are as far from their k-th neighbour.

Cost: ``O(n k)`` from the neighbour lists, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput

from ._common import F64, check_length, check_lists


@dataclass
class Outliers:
    knn_distance: npt.NDArray[np.float32]
    """(n,) distance to the k-th nearest reference row (a reference row never counts itself)."""
    density_score: npt.NDArray[np.float32]
    """(n,) local outlier factor against the reference: ~1 inside, > 1 outside."""
    ood: npt.NDArray[np.bool_]
    """(n,) ``knn_distance`` above ``threshold``."""
    threshold: float
    """The reference's own ``quantile`` of leave-one-out k-th distances."""


def outlier_scores(
    reference_neighbours: npt.NDArray[np.int64],
    reference_distances: npt.NDArray[np.float32],
    reference: npt.NDArray[np.bool_],
    *,
    k: int = 10,
    quantile: float = 0.95,
) -> Outliers:
    """Score every row from its nearest *reference* rows.

    ``reference_neighbours``/``reference_distances`` are (n, >= k) neighbour lists of every
    row searched among reference rows only (self excluded). Neighbours are row positions
    in the same arrays (``0..n-1``), so a reference neighbour's own list is at its row.

    Example:
        >>> train = dataset_codes == 0
        >>> rows, dist = exact_search(vectors[train], vectors, 11)  # then map and drop self
        >>> result = outlier_scores(rows, dist, train, k=10)
        >>> ood_summary(result.ood, dataset_codes, ["train", "production"])

    Raises:
        InvalidInput: fewer than ``k + 1`` reference rows.
    """
    is_reference = np.asarray(reference, dtype=bool)
    n = len(is_reference)
    if k < 1:
        raise InvalidInput("k must be at least 1", where="k")
    if not 0 < quantile < 1:
        raise InvalidInput("quantile must lie strictly between 0 and 1", where="quantile")
    count = int(is_reference.sum())
    if count < k + 1:
        raise InvalidInput(
            f"{count} reference rows: at least k + 1 = {k + 1} are needed", where="reference"
        )
    rows, dist = check_lists(
        reference_neighbours, reference_distances, n, where="reference_neighbours", min_k=k
    )
    rows, dist64 = rows[:, :k], dist[:, :k].astype(np.float64)
    valid = (rows >= 0) & np.isfinite(dist64)
    if (valid & ~is_reference[np.maximum(rows, 0)]).any():
        raise InvalidInput(
            "a neighbour is not a reference row: search among reference rows only",
            where="reference_neighbours",
        )
    # Too few neighbours found (a broken list): the k-th distance is unknown, call it far.
    kth = np.where(valid[:, -1], dist64[:, -1], np.inf)

    own = kth[is_reference]
    own = own[np.isfinite(own)]
    threshold = float(np.quantile(own, quantile)) if len(own) else float("inf")
    lrd = _reachability_density(rows, dist64, valid, kth)
    with np.errstate(divide="ignore", invalid="ignore"):
        neighbour_lrd = np.where(valid, lrd[np.maximum(rows, 0)], 0).sum(axis=1) / np.maximum(
            valid.sum(axis=1), 1
        )
        lof = neighbour_lrd / lrd
    lof[~np.isfinite(lof)] = np.inf
    return Outliers(
        knn_distance=kth.astype(np.float32),
        density_score=lof.astype(np.float32),
        ood=kth > threshold,
        threshold=threshold,
    )


def _reachability_density(
    rows: npt.NDArray[np.int64], dist: F64, valid: npt.NDArray[np.bool_], kth: F64
) -> F64:
    """LOF's local reachability density: 1 / mean over neighbours o of
    max(k-distance(o), d(p, o)). The floor keeps exact duplicates (all distances 0)
    finite: a pile of copies is very dense, not infinitely so."""
    reach = np.maximum(kth[np.maximum(rows, 0)], dist)
    mean_reach = np.where(valid, reach, 0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    finite = kth[np.isfinite(kth)]
    floor = 1e-6 * float(np.median(finite)) if len(finite) else 0.0
    floor = floor if floor > 0 else 1e-12
    density: F64 = 1.0 / np.maximum(mean_reach, floor)
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
