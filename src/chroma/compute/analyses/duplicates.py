"""Near-duplicates: groups of rows closer than a threshold, from neighbour lists (not O(N^2)).

A pair is a duplicate when one lists the other among its nearest neighbours at a distance
``<= threshold``; groups are the connected components of those pairs (single linkage,
which is what "A is a copy of B, B of C" means), found by scipy's
``connected_components`` in ``O(n k)``. A pair is missed only if neither row lists the
other, which, with ``k`` neighbours, needs ``k`` other rows closer still, themselves
duplicates that join the group.

:func:`suggest_threshold` derives a threshold from the data alone, for callers who have
none (see there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from chroma.core.errors import InvalidInput

from ._common import check_length, check_lists

COPY_RATIO = 0.2
"""A pair counts as a near-copy when it is closer than this fraction of the typical
distance from a row to its nearest neighbour, on a linear scale (see
:func:`suggest_threshold`)."""


@dataclass
class Duplicates:
    group: npt.NDArray[np.int64]
    """(n,) group number, -1 for rows without a duplicate; groups numbered from 0 by size."""
    distance: npt.NDArray[np.float32]
    """(n,) distance to the nearest other member of its group; NaN when not in one."""
    groups: list[list[int]]
    """Row positions of each group, largest first."""


def duplicate_groups(
    neighbours: npt.NDArray[np.int64],
    distances: npt.NDArray[np.float32],
    *,
    threshold: float,
) -> Duplicates:
    """Connected components of the graph whose edges are neighbour pairs under ``threshold``.

    Groups are numbered by size, largest first (ties: the group holding the smallest row
    first), and each group's rows are in ascending order.

    Example:
        >>> rows, dist = knn_graph(vectors, 10)
        >>> dups = duplicate_groups(rows, dist, threshold=suggest_threshold(dist, metric="cosine"))
        >>> dups.groups[:3]

    Raises:
        InvalidInput: a negative or NaN threshold, or lists of the wrong shape.
    """
    rows, dist = check_lists(neighbours, distances, len(neighbours))
    if not np.isfinite(threshold) or threshold < 0:
        raise InvalidInput("threshold must be a finite number >= 0", where="threshold")
    n = len(rows)
    close = (rows >= 0) & (dist <= threshold)
    source = np.repeat(np.arange(n, dtype=np.int64), rows.shape[1])[close.ravel()]
    target = rows[close]
    edge = dist[close]

    group = np.full(n, -1, dtype=np.int64)
    nearest = np.full(n, np.nan, dtype=np.float32)
    if len(source) == 0:
        return Duplicates(group=group, distance=nearest, groups=[])
    graph = coo_matrix((np.ones(len(source), dtype=np.int8), (source, target)), shape=(n, n))
    _, component = connected_components(csr_matrix(graph), directed=False)
    sizes = np.bincount(component)
    in_group = sizes[component] > 1
    # Renumber: by size descending, then by smallest member (components are numbered in
    # order of their smallest row already, so a stable sort on size keeps that).
    multi = np.flatnonzero(sizes > 1)
    ranked = multi[np.argsort(-sizes[multi], kind="stable")]
    number = np.full(len(sizes), -1, dtype=np.int64)
    number[ranked] = np.arange(len(ranked))
    group[in_group] = number[component[in_group]]

    # Each endpoint's nearest pair: sort edges by distance, keep each row's first.
    ends = np.concatenate([source, target])
    lengths = np.concatenate([edge, edge])
    order = np.lexsort((lengths, ends))
    first = np.ones(len(order), dtype=bool)
    first[1:] = ends[order][1:] != ends[order][:-1]
    nearest[ends[order][first]] = lengths[order][first]

    members = np.flatnonzero(in_group)
    members = members[np.argsort(group[members], kind="stable")]
    bounds = np.cumsum(np.bincount(group[members], minlength=len(ranked)))[:-1]
    groups = [part.tolist() for part in np.split(members, bounds)]
    return Duplicates(group=group, distance=nearest, groups=groups)


def suggest_threshold(
    distances: npt.NDArray[np.float32], *, metric: str = "cosine", ratio: float = COPY_RATIO
) -> float:
    """A duplicate threshold from the data alone: a pair is a copy when it is ``ratio``
    (a fifth) of the median nearest-neighbour distance apart, or closer.

    Why: distinct inputs (two photos of one digit, two paraphrases) sit around the typical
    nearest-neighbour distance of their space; even the closest distinct pairs of a data
    set are rarely under a third of it (0.30-0.47 on the benchmark's digits, in pixels or
    embeddings). Copies differ by re-encoding, resizing or whitespace: a small fraction of
    it. The rule holds on any scale (any model, any norm), so no number is chosen per space;
    exact copies (distance 0) are always in. On benchmarks/quality.py the farthest injected
    near copy (1% pixel noise) sits at <= 0.6 of the threshold and the closest distinct
    pair at >= 3.4 times it; copies with 2% noise are at the boundary (77% found). A model
    that amplifies input noise (one trained to memorise) moves copies outwards: pass an
    explicit threshold where "near" has a known meaning. ``distances`` are (n, k)
    neighbour distances, nearest first, of ``metric``:

    - ``"l2"``: ``ratio x median``;
    - ``"cosine"`` (``1 - cos``): ``ratio^2 x median``. On unit vectors ``1 - cos`` is half
      the squared chord, so "a fifth of the distance" is a twenty-fifth of ``1 - cos``.

    Raises:
        InvalidInput: distances not (n, k), an unknown metric, or a ratio outside (0, 1).
    """
    dist = np.asarray(distances, dtype=np.float64)
    if dist.ndim != 2 or dist.shape[1] == 0:
        raise InvalidInput(f"expected (n, k) distances, got {dist.shape}", where="distances")
    if metric not in ("cosine", "l2"):
        raise InvalidInput(f"unknown metric {metric!r}; use cosine or l2", where="metric")
    if not 0 < ratio < 1:
        raise InvalidInput("ratio must lie between 0 and 1", where="ratio")
    first = dist[:, 0]
    positive = first[np.isfinite(first) & (first > 0)]
    if len(positive) == 0:
        return 0.0
    typical = float(np.median(positive))
    return typical * (ratio**2 if metric == "cosine" else ratio)


def cross_dataset_summary(
    dups: Duplicates, dataset_codes: npt.NDArray[np.int32], names: list[str]
) -> dict[str, object]:
    """Groups and rows in total, and per pair of datasets the groups spanning both (leakage).

    Returns ``{"groups": int, "rows": int, "datasets": {name: {"groups", "rows"}}, "pairs":
    [{"datasets": [a, b], "groups": int, "rows": int}, ...]}``: ``datasets`` counts the
    groups holding a row of each dataset and those rows; ``pairs`` lists each pair of
    datasets that share at least one group (most shared groups first), with the rows of
    both datasets in those groups: a train/test pair there is leakage.
    """
    check_length(dataset_codes, len(dups.group), "dataset_codes")
    codes = np.asarray(dataset_codes, dtype=np.int64)
    if len(codes) and (codes.min() < 0 or codes.max() >= len(names)):
        raise InvalidInput(f"dataset codes must lie in 0..{len(names) - 1}", where="dataset_codes")
    members = np.flatnonzero(dups.group >= 0)
    count = len(dups.groups)
    total_rows = len(members)
    named = len(names)
    # (group, dataset) rows: a small dense (groups x datasets) count matrix.
    cell = csr_matrix(
        (np.ones(total_rows, dtype=np.int64), (dups.group[members], codes[members])),
        shape=(count, named),
    )
    present = (cell > 0).astype(np.int64)
    per_dataset_groups = np.asarray(present.sum(axis=0)).ravel()
    per_dataset_rows = np.asarray(cell.sum(axis=0)).ravel()
    shared = (present.T @ present).toarray()  # datasets x datasets: groups spanning both
    rows_in = (cell.T @ present).toarray()  # [a, b]: rows of a in groups also holding b
    upper = np.triu(shared, k=1)
    first, second = np.nonzero(upper)
    by_count = np.argsort(-upper[first, second], kind="stable")
    pairs = [
        {
            "datasets": [names[a], names[b]],
            "groups": int(shared[a, b]),
            "rows": int(rows_in[a, b] + rows_in[b, a]),
        }
        for a, b in zip(first[by_count].tolist(), second[by_count].tolist(), strict=True)
    ]
    return {
        "groups": count,
        "rows": total_rows,
        "datasets": {
            name: {"groups": int(per_dataset_groups[i]), "rows": int(per_dataset_rows[i])}
            for i, name in enumerate(names)
        },
        "pairs": pairs,
    }
