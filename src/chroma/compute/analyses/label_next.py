"""What to label next: a ranked sample mixing uncertainty, mislabel, outlier and diversity.

Each signal is first turned into its rank among the candidates, scaled to (0, 1]: the
signals live on unrelated scales (a margin, a probability-like score, a distance, a LOF
ratio with a long tail), and ranks make a weight mean the same thing for each. The mix is
their weighted mean over the signals given (a signal passed as ``None`` does not dilute the
others; a row's NaN counts 0).

Picking is greedy with a coverage penalty, in the spirit of diversity-aware active
learning (e.g. Ash et al., 2020, "BADGE"; core-sets, Sener & Savarese, 2018) but on the
kNN graph rather than with distances: a row's *neighbourhood* is itself plus its
neighbours; once a row is picked, its neighbourhood is *covered*. A candidate's penalty
is the covered share of its neighbourhood times diversity's share of the weights in play
(``diversity / (diversity + the given signals' weights)``: 1/2 with one signal and the
default weights, 1/4 with three), subtracted from its mix. A neighbour of a pick shares
most of its neighbourhood and drops by about that share, a row two hops away by a little:
ten near-copies of one confusing example yield one pick, not ten, while a strong region
keeps being sampled until its best rows are crowded. Penalties only grow,
so a lazy greedy (re-score a row only when it reaches the top) gives the exact greedy
order in ``O((n + picks k d) log n)``, ``d`` a row's in-degree.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.stats import rankdata

from chroma.core.errors import InvalidInput

from ._common import F64, I64, check_length, check_neighbours

DEFAULT_WEIGHTS = {"uncertainty": 1.0, "mislabel": 1.0, "outlier": 1.0, "diversity": 1.0}
_SIGNALS = ("uncertainty", "mislabel", "outlier")


@dataclass
class LabelNext:
    order: npt.NDArray[np.int64]
    """Row positions, best first (``size`` of them)."""
    score: npt.NDArray[np.float32]
    """(n,) the mixed priority of every row (before diversity re-ranking); NaN if excluded."""
    rank: npt.NDArray[np.int64]
    """(n,) 1-based rank of rows in ``order``, 0 for the rest."""


def label_next(
    *,
    size: int,
    uncertainty: npt.NDArray[np.float32] | None,
    mislabel: npt.NDArray[np.float32] | None,
    outlier: npt.NDArray[np.float32] | None,
    neighbours: npt.NDArray[np.int64],
    candidates: npt.NDArray[np.bool_],
    weights: dict[str, float] | None = None,
) -> LabelNext:
    """Mix the normalised signals (missing ones count 0) with ``weights``, then pick greedily
    while penalising rows whose neighbours were already picked (``diversity``).

    Signals are ranked among the candidates; the mix is their weighted mean over the
    signals given (see the module's notes for the diversity penalty's scale).
    ``weights`` overrides :data:`DEFAULT_WEIGHTS` key by key (a key left out keeps its
    default; give it 0 to switch a signal off). Fewer than ``size`` candidates: all of them
    are returned. Higher is more worth labelling for every signal: pass a margin as
    ``1 - margin``.

    Example:
        >>> pick = label_next(size=200, uncertainty=1 - scores, mislabel=mis.score,
        ...                   outlier=out.density_score, neighbours=rows,
        ...                   candidates=dataset_codes == production)
        >>> pick.order[:10]

    Raises:
        InvalidInput: unknown weight names, negative weights, or nothing to pick from.
    """
    wanted = np.asarray(candidates, dtype=bool)
    n = len(wanted)
    rows = check_neighbours(neighbours, n)
    mixed_weights = _check_weights(weights)
    if size < 1:
        raise InvalidInput("size must be at least 1", where="size")
    if not wanted.any():
        raise InvalidInput("no candidate rows to pick from", where="candidates")

    signals = {"uncertainty": uncertainty, "mislabel": mislabel, "outlier": outlier}
    # The mix is a weighted mean over the signals given: a signal not computed at all
    # (None) does not dilute the others; a row's missing value (NaN) counts 0.
    total_weight = 0.0
    mix = np.zeros(n, dtype=np.float64)
    for name, values in signals.items():
        if values is None or mixed_weights[name] == 0:
            continue
        check_length(values, n, name)
        mix += mixed_weights[name] * _rank_scaled(np.asarray(values, dtype=np.float64), wanted)
        total_weight += mixed_weights[name]
    if total_weight > 0:
        mix /= total_weight
    score = np.where(wanted, mix, np.nan).astype(np.float32)

    # The penalty's scale: diversity's share of all the weights in play (1 when no signal).
    diversity = mixed_weights["diversity"]
    penalty = diversity / (diversity + total_weight) if diversity > 0 else 0.0
    order = _greedy(mix, wanted, rows, min(size, int(wanted.sum())), penalty)
    rank = np.zeros(n, dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return LabelNext(order=order, score=score, rank=rank)


def _check_weights(weights: dict[str, float] | None) -> dict[str, float]:
    merged = dict(DEFAULT_WEIGHTS)
    for name, value in (weights or {}).items():
        if name not in DEFAULT_WEIGHTS:
            raise InvalidInput(
                f"unknown weight {name!r}; use {sorted(DEFAULT_WEIGHTS)}", where=f"weights.{name}"
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise InvalidInput("a weight is a number >= 0", where=f"weights.{name}")
        merged[name] = number
    return merged


def _rank_scaled(values: F64, wanted: npt.NDArray[np.bool_]) -> F64:
    """Rank among the candidates with a value, scaled to (0, 1]; 0 elsewhere (ties share)."""
    out = np.zeros(len(values), dtype=np.float64)
    known = wanted & np.isfinite(values)
    if known.any():
        out[known] = rankdata(values[known]) / known.sum()
    return out


def _greedy(mix: F64, wanted: npt.NDArray[np.bool_], rows: I64, size: int, penalty: float) -> I64:
    if penalty == 0:  # no diversity: the best mixes, in order
        pool = np.flatnonzero(wanted)
        return pool[np.argsort(-mix[pool], kind="stable")[:size]]
    n, k = rows.shape
    degree = 1 + (rows >= 0).sum(axis=1)  # a neighbourhood: the row and its neighbours
    covered = np.zeros(n, dtype=bool)
    hits = np.zeros(n, dtype=np.int64)  # covered members of each row's neighbourhood
    # Who has r in their neighbourhood: r itself and the rows listing r (a reverse CSR,
    # built by scipy's linear-time COO -> CSR conversion, not a sort).
    valid = rows >= 0
    source = np.repeat(np.arange(n, dtype=np.int64), k)[valid.ravel()]
    reverse = csr_matrix((np.ones(len(source), dtype=np.int8), (rows[valid], source)), shape=(n, n))
    listers, starts = reverse.indices, reverse.indptr

    def current(row: int) -> float:
        return float(mix[row] - penalty * hits[row] / degree[row])

    # Lazy greedy: a heap of (-score as last computed, row); scores only ever go down, so a
    # stored score bounds the fresh one. Rows enter the heap in chunks, best mix first, only
    # while the next unseen row could still beat the heap's top.
    stream = np.flatnonzero(wanted)
    stream = stream[np.argsort(-mix[stream], kind="stable")]
    chunk = max(4 * size, 1024)
    seen = 0
    heap: list[tuple[float, int]] = []
    picked: list[int] = []
    while len(picked) < size:
        unseen = float(mix[stream[seen]]) if seen < len(stream) else -np.inf
        if not heap or unseen > -heap[0][0]:
            if seen >= len(stream):
                break
            more = stream[seen : seen + chunk]
            for item in zip((-mix[more]).tolist(), more.tolist(), strict=True):
                heapq.heappush(heap, item)
            seen += len(more)
            continue
        _, row = heapq.heappop(heap)
        fresh = current(row)
        rival = max(-heap[0][0] if heap else -np.inf, unseen)
        if fresh < rival:
            heapq.heappush(heap, (-fresh, row))  # lost its place: back in line
            continue
        picked.append(row)
        newly = [r for r in [row, *rows[row][rows[row] >= 0].tolist()] if not covered[r]]
        for r in newly:
            covered[r] = True
            hits[r] += 1
            hits[listers[starts[r] : starts[r + 1]]] += 1
    return np.asarray(picked, dtype=np.int64)
