"""What to label next: a ranked sample mixing uncertainty, mislabel, novelty, outlier and
diversity.

Each signal is first turned into its rank among the candidates that have it, scaled to
(0, 1]: the signals live on unrelated scales (a margin, a probability-like score, a
distance, a LOF ratio with a long tail), and ranks make a weight mean the same thing for
each. A row's mix is the weighted mean of the signals *it has* (NaN: not applicable to
this row; a signal passed as ``None`` applies to none). That is what puts labelled and
unlabelled rows on one scale (``label_next_signals``): a labelled row's doubt is its
mislabel score, an unlabelled row's is its uncertainty and its novelty (how far it lies
from the labelled data); a row in the top 5% of its own kind's doubt ranks like one in
the top 5% of the other kind's, where counting a missing signal as 0 capped unlabelled
rows below every doubtful labelled one.

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

from ._common import F64, I64, check_length, check_lists, check_neighbours
from .mislabels import mislabel_scores

DEFAULT_WEIGHTS = {
    "uncertainty": 1.0,
    "mislabel": 1.0,
    "novelty": 1.0,
    "outlier": 0.0,
    "diversity": 1.0,
}
"""Measured on two text corpora (benchmarks/real_scores.py): the k-th neighbour distance
(``outlier``) mostly finds sparse but ordinary rows, and at weight 1 halved the share of
flipped or new-category rows in the top 200 (0.87 -> 0.43 on Debian synopses); it is off
by default, and used only when no other signal applies (a space without labels or
scores)."""
CANDIDATE_ROWS = ("all", "unlabelled", "labelled")


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
    novelty: npt.NDArray[np.float32] | None = None,
    weights: dict[str, float] | None = None,
) -> LabelNext:
    """Mix the normalised signals with ``weights``, then pick greedily while penalising
    rows whose neighbours were already picked (``diversity``).

    Signals are ranked among the candidates that have them; a row's mix is their weighted
    mean over the signals it has (see the module's notes, and there for the diversity
    penalty's scale).
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

    signals = {
        "uncertainty": uncertainty,
        "mislabel": mislabel,
        "novelty": novelty,
        "outlier": outlier,
    }
    # A row's mix: the weighted mean over the signals it has (None: no row has it; NaN:
    # this row has not), so a signal that does not apply to a row does not drag it down.
    total_weight = 0.0  # of the signals given: the diversity penalty's scale
    mix = np.zeros(n, dtype=np.float64)
    row_weight = np.zeros(n, dtype=np.float64)
    for name, values in signals.items():
        if values is None or mixed_weights[name] == 0:
            continue
        check_length(values, n, name)
        as_float = np.asarray(values, dtype=np.float64)
        mix += mixed_weights[name] * _rank_scaled(as_float, wanted)
        row_weight += mixed_weights[name] * np.isfinite(as_float)
        total_weight += mixed_weights[name]
    if total_weight == 0 and outlier is not None:  # nothing else applies: the outlier alone
        check_length(outlier, n, "outlier")
        as_float = np.asarray(outlier, dtype=np.float64)
        mix, row_weight = _rank_scaled(as_float, wanted), np.isfinite(as_float).astype(float)
        total_weight = 1.0
    mix = np.divide(mix, row_weight, out=np.zeros(n), where=row_weight > 0)
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


def label_next_signals(
    labels: npt.NDArray[np.object_],
    neighbours: npt.NDArray[np.int64],
    distances: npt.NDArray[np.float32],
    *,
    vectors: npt.NDArray[np.floating] | None = None,
    predictions: npt.NDArray[np.object_] | None = None,
    prediction_scores: npt.NDArray[np.float32] | None = None,
) -> dict[str, npt.NDArray[np.float32] | None]:
    """The signals :func:`label_next` mixes, for every row of a space, from its labels,
    its kNN graph and (when given) its vectors and the logged predictions:

    - ``mislabel``: a labelled row's mislabel score (mislabels.py); NaN when unlabelled;
    - ``uncertainty``: an unlabelled row's doubt, ``1 -`` the pooled evidence's share for
      its favourite label (neighbours, the linear model, the logged model and its
      confidence); NaN when labelled. Without any label: ``1 - prediction_score`` where
      logged;
    - ``novelty``: an unlabelled row's distance to the labelled data, read off its
      neighbour list: the nearest labelled neighbour's distance; a row with none among its
      ``k`` ranks above every row with one (by its farthest neighbour's distance, a lower
      bound); NaN when labelled;
    - ``outlier``: the distance to the ``k``-th neighbour, for every row.

    Example:
        >>> signals = label_next_signals(labels, rows, dist, vectors=vectors)
        >>> pick = label_next(size=200, neighbours=rows, candidates=mask, **signals)
    """
    n = len(labels)
    rows, dist = check_lists(neighbours, distances, n)
    labelled = np.array([v is not None for v in np.asarray(labels, dtype=object)], dtype=bool)
    listed = rows >= 0
    outlier = np.where(listed[:, -1], dist[:, -1], np.nan).astype(np.float32)
    if not labelled.any():
        uncertainty = None
        if prediction_scores is not None and np.isfinite(prediction_scores).any():
            uncertainty = (1.0 - np.asarray(prediction_scores, dtype=np.float32)).astype(np.float32)
        return {"uncertainty": uncertainty, "mislabel": None, "novelty": None, "outlier": outlier}
    found = mislabel_scores(
        labels,
        rows,
        dist,
        vectors=vectors,
        predictions=predictions,
        prediction_scores=prediction_scores,
    )
    uncertainty = np.where(labelled, np.nan, found.uncertainty).astype(np.float32)
    near_labelled = listed & labelled[np.maximum(rows, 0)]
    first = np.argmax(near_labelled, axis=1)
    has_one = near_labelled.any(axis=1)
    farthest = np.where(listed, dist, -np.inf).max(axis=1)
    beyond = float(np.nanmax(np.where(listed, dist, np.nan))) if listed.any() else 0.0
    novelty = np.where(has_one, dist[np.arange(n), first], beyond + farthest)
    novelty = np.where(labelled | ~np.isfinite(novelty), np.nan, novelty).astype(np.float32)
    return {
        "uncertainty": uncertainty,
        "mislabel": found.score,
        "novelty": novelty,
        "outlier": outlier,
    }


def candidate_rows(
    labels: npt.NDArray[np.object_],
    which: str,
    within: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """The rows ``label_next`` may pick: ``which`` of :data:`CANDIDATE_ROWS` ("all",
    "unlabelled", "labelled"), among ``within`` (e.g. some datasets' rows) when given.

    Raises:
        InvalidInput: an unknown ``which`` (where ``candidate_rows``), or no row left.
    """
    if which not in CANDIDATE_ROWS:
        raise InvalidInput(
            f"candidate_rows must be one of {', '.join(CANDIDATE_ROWS)}, not {which!r}",
            where="candidate_rows",
        )
    labelled = np.array([v is not None for v in np.asarray(labels, dtype=object)], dtype=bool)
    wanted = np.ones(len(labelled), dtype=bool) if within is None else np.asarray(within, bool)
    check_length(wanted, len(labelled), "candidates")
    if which != "all":
        wanted = wanted & (labelled if which == "labelled" else ~labelled)
    if not wanted.any():
        raise InvalidInput(f"no {which} rows to pick from", where="candidate_rows")
    return wanted
