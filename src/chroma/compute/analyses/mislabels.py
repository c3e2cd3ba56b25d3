"""Likely mislabels: the kNN graph's neighbours, a linear model of the labels and the logged
model disagree with a row's label.

The method is a distance-weighted k-nearest-neighbour vote (the "edited nearest neighbour"
family: Wilson, 1972; Bahri et al., 2020, "Deep k-NN for Noisy Labels"), pooled with the
model's opinion when its prediction is logged. For each row, the evidence for a class
``c`` is a linear opinion pool of three sources, in "neighbour votes":

- its labelled neighbours, each weighing ``exp(-(d - typical) / typical)``, ``typical``
  the median of the rows' mean neighbour distance: one scale for the whole space, so a
  neighbour at the typical distance weighs 1 and closer ones more. (A scale per row made
  every row whose neighbours all disagree score exactly the same: ~1,800 tied rows at the
  top of a text corpus, ordered by id.)
- the model, worth ``model_weight`` times a full neighbourhood (``k`` votes): its
  ``prediction_score`` goes to the predicted class and the rest is spread evenly over the
  other classes (only the top class and its score are logged, so that is all the
  model's margin there is);
- the row's own label, one vote (an unlabelled row's "don't know", likewise: counted,
  given to no class).

When the vectors are given (the analysis job gives them), that pool's shares are mixed,
``linear_weight`` to ``1 - linear_weight``, with the leave-one-out probabilities of a
ridge classifier of the labels (ridge.py): the whole labelled set's view, which the ten
nearest rows miss where categories overlap locally.

``score = 1 - P(own label)`` under the mix (the "self-confidence" ranking of confident
learning, Northcutt et al., 2021, with the pooled evidence in place of a classifier's
out-of-fold probabilities): continuous, no large ties. A linear pool (not a product of
experts) because either expert can be confidently wrong: a model that memorised a
flipped label, a neighbourhood of near-copies carrying the same wrong label.

The flagged set: the top ``review_share`` of the labelled rows by score, among those whose
evidence favours another label; only they get a ``suggested`` label. Flagging every
disputed row flagged 21-25% of a text corpus at 30-36% precision; 5% (the default) flags
at 0.90-0.93 precision on Debian synopses, 0.77-0.83 on docstrings, 1.00 on the digits.

Measured (mean F1 at k = flipped labels, cleanlab's best from the same out-of-fold
probabilities in brackets): Debian synopses 0.834 without a model, 0.850 with
out-of-fold predictions (0.830); Python docstrings 0.681 / 0.696 (0.647)
(benchmarks/real_scores.py, 3 seeds); the digits 0.96 / 0.95 (0.88)
(benchmarks/quality.py, 5 seeds). See ADR 0008.

Cost: ``O(n k^2)`` comparisons, in blocks; no (n, classes) array is ever formed, so a
million rows with thousands of classes take the same memory as ten (1M rows, k=10, 1,000
classes, with predictions and no vectors: 4.4 s); the linear view adds ``O(n d^2 + n d c)``
(about 0.4 s for 5,600 rows of 384 dimensions and 12 classes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

from chroma.core.errors import InvalidInput

from ._common import F32, F64, I64, Bool, check_length, check_lists, label_codes
from .ridge import fit_ridge

MODEL_WEIGHT = 1.0
"""The model's say, in full neighbourhoods (1: as much as ``k`` neighbours at the typical
distance)."""
LABEL_WEIGHT = 1.0
"""The given label's say, in neighbour votes; an unlabelled row's "don't know", likewise."""
LINEAR_WEIGHT = 0.5
"""The leave-one-out ridge classifier's share of the pool (ridge.py), when vectors are given."""
SHARPNESS = 1.0
"""Distance weights: ``exp(-(d - typical) / (SHARPNESS * typical))``, typical = the median
of the rows' mean neighbour distance (a neighbour at that distance weighs 1)."""
REVIEW_SHARE = 0.05
"""Share of the labelled rows flagged with a suggestion by default (see the module notes)."""


@dataclass
class Mislabels:
    score: npt.NDArray[np.float32]
    """(n,) in [0, 1], higher = more likely mislabelled; NaN for unlabelled rows."""
    suggested: npt.NDArray[np.object_]
    """(n,) the label the evidence favours (str) on the flagged rows (the top
    ``review_share`` of the labelled ones, where it differs from their label) and on
    unlabelled rows; None elsewhere."""
    agreement: npt.NDArray[np.float32]
    """(n,) weighted share of labelled neighbours that carry the row's own label."""
    evidence: npt.NDArray[np.int64]
    """(n, e) row positions of the neighbours that carry the suggested label; -1 pads."""
    uncertainty: npt.NDArray[np.float32]
    """(n,) 1 - the pool's share for its favourite label: how unsure the evidence is of any
    label (an unlabelled row with little or mixed evidence is unsure)."""
    flagged: npt.NDArray[np.bool_]
    """(n,) the labelled rows given a suggestion: worth a human's review."""


def mislabel_scores(
    labels: npt.NDArray[np.object_],
    neighbours: npt.NDArray[np.int64],
    distances: npt.NDArray[np.float32],
    *,
    vectors: npt.NDArray[np.floating] | None = None,
    predictions: npt.NDArray[np.object_] | None = None,
    prediction_scores: npt.NDArray[np.float32] | None = None,
    model_weight: float = MODEL_WEIGHT,
    linear_weight: float = LINEAR_WEIGHT,
    review_share: float = REVIEW_SHARE,
) -> Mislabels:
    """Score each labelled row by how much its neighbourhood, a linear model of the labels
    (when ``vectors`` are given) and the logged model (when its prediction is given)
    disagree with its label.

    ``model_weight`` is the model's say in full neighbourhoods (0 ignores the predictions);
    ``linear_weight`` the leave-one-out ridge classifier's share of the pool, in [0, 1)
    (0, or no ``vectors``: the neighbourhood and the model alone). ``prediction_scores``
    are the model's confidence in its prediction: used as probabilities when they all lie
    in [0, 1], else turned into (0, 1] by rank; a prediction without a score counts as
    certain. ``review_share`` in (0, 1] is the share of the labelled rows to flag (the
    highest scores among the rows whose evidence favours another label): only they get a
    ``suggested`` label. Unlabelled rows get a NaN score but a ``suggested`` label (what the
    evidence says) and an ``uncertainty``. ``agreement`` is NaN where a row has no
    labelled neighbour.

    Example:
        >>> rows, dist = knn_graph(vectors, 10)
        >>> result = mislabel_scores(labels, rows, dist, vectors=vectors, predictions=preds)
        >>> worst = np.argsort(-np.nan_to_num(result.score, nan=-1))[:100]

    Raises:
        InvalidInput: no labels, shapes that do not match, a weight or share out of range.
    """
    n = len(labels)
    rows, dist = check_lists(neighbours, distances, n)
    if predictions is not None:
        check_length(predictions, n, "predictions")
    if prediction_scores is not None:
        check_length(prediction_scores, n, "prediction_scores")
    if vectors is not None:
        check_length(vectors, n, "vectors")
    _check_settings(model_weight, linear_weight, review_share)
    (own, predicted), classes = label_codes(labels, predictions)
    if not (own >= 0).any():
        raise InvalidInput("no row has a label", where="labels")
    if predictions is None or model_weight == 0:
        predicted = np.full(n, -1, dtype=np.int64)
    confidence = _confidence(prediction_scores, n)
    ridge = None
    matrix = np.empty((n, 0), dtype=np.float32)
    if vectors is not None and linear_weight > 0:
        matrix = np.asarray(vectors)
        if matrix.ndim != 2 or not np.isfinite(matrix).all():
            raise InvalidInput("vectors must be a finite (n, d) array", where="vectors")
        ridge = fit_ridge(matrix, own, len(classes))
    linear = linear_weight if ridge is not None else 0.0

    k = rows.shape[1]
    neighbour_label = np.where(rows >= 0, own[np.maximum(rows, 0)], -1)
    weight = _weights(rows, dist) * (neighbour_label >= 0)
    total = weight.sum(axis=1)
    agreement = np.full(n, np.nan, dtype=np.float32)
    has_votes = (total > 0) & (own >= 0)
    own_votes = (weight * (neighbour_label == own[:, None])).sum(axis=1)
    agreement[has_votes] = own_votes[has_votes] / total[has_votes]

    # Candidate classes of each row: its neighbours' labels, its own, the model's (and the
    # linear model's favourite, filled in per block).
    candidates = np.concatenate(
        [neighbour_label, own[:, None], predicted[:, None], np.full((n, 1), -1)], axis=1
    )
    model_votes = np.where(predicted >= 0, model_weight * k, 0.0)
    spread = (1 - confidence) / max(len(classes) - 1, 1)
    # An unlabelled row's LABEL_WEIGHT is a "don't know": counted, given to no class, so
    # that two close neighbours do not make it sure of their label.
    pool_total = total + model_votes + LABEL_WEIGHT
    best = np.full(n, -1, dtype=np.int64)
    own_share = np.zeros(n, dtype=np.float64)
    best_share = np.zeros(n, dtype=np.float64)
    width = candidates.shape[1]
    dims = matrix.shape[1] + 1 if ridge is not None else 0
    step = max(1, (1 << 23) // (width * max(width, len(classes), dims)))
    for start in range(0, n, step):
        part = slice(start, min(n, start + step))
        cand = candidates[part]
        if ridge is not None:
            linear_p = ridge.probabilities(matrix, own, part)
            cand[:, -1] = linear_p.argmax(axis=1)
        same = cand[:, :, None] == cand[:, None, :]  # (b, slot, slot)
        votes = np.einsum("bsj,bj->bs", same[:, :, :k], weight[part])
        from_model = np.where(
            cand == predicted[part, None], confidence[part, None], spread[part, None]
        )
        evidence = (
            votes + model_votes[part, None] * from_model + LABEL_WEIGHT * (cand == own[part, None])
        )
        share = evidence / pool_total[part, None]
        if ridge is not None:
            picked = np.take_along_axis(linear_p, np.maximum(cand, 0), axis=1)
            share = (1 - linear) * share + linear * picked
        share[cand < 0] = -np.inf
        top = np.argmax(share, axis=1)
        best[part] = np.take_along_axis(cand, top[:, None], axis=1)[:, 0]
        best_share[part] = np.take_along_axis(share, top[:, None], axis=1)[:, 0]
        own_share[part] = share[:, k]  # slot k is the row's own label

    labelled = own >= 0
    score = np.full(n, np.nan, dtype=np.float32)
    score[labelled] = np.clip(1 - own_share[labelled], 0, 1)
    flagged = _flag(score, labelled & (best != own), review_share)
    suggested_code = np.where(flagged | ~labelled, best, -1)
    names = np.array([*classes, None], dtype=object)
    return Mislabels(
        score=score,
        suggested=names[suggested_code],
        agreement=agreement,
        evidence=_evidence(rows, neighbour_label, suggested_code),
        uncertainty=np.clip(1 - best_share, 0, 1).astype(np.float32),
        flagged=flagged,
    )


def _check_settings(model_weight: float, linear_weight: float, review_share: float) -> None:
    if not np.isfinite(model_weight) or model_weight < 0:
        raise InvalidInput("model_weight must be a non-negative number", where="model_weight")
    if not np.isfinite(linear_weight) or not 0 <= linear_weight < 1:
        raise InvalidInput("linear_weight must be >= 0 and < 1", where="linear_weight")
    if not np.isfinite(review_share) or not 0 < review_share <= 1:
        raise InvalidInput("review_share must be > 0 and <= 1", where="review_share")


def _flag(score: F32, eligible: Bool, review_share: float) -> Bool:
    """The top ``review_share`` of the labelled rows by score, among the ``eligible`` (ties
    at the cut all in or all out, by datapoint order: the scores are continuous)."""
    labelled = np.isfinite(score)
    quota = int(np.ceil(review_share * int(labelled.sum())))
    pool = np.flatnonzero(eligible)
    chosen = pool[np.argsort(-score[pool], kind="stable")[:quota]]
    out = np.zeros(len(score), dtype=bool)
    out[chosen] = True
    return out


def _confidence(scores: npt.NDArray[np.float32] | None, n: int) -> F64:
    """The model's confidence in its prediction as a probability (1 where unknown)."""
    if scores is None:
        return np.ones(n, dtype=np.float64)
    values = np.asarray(scores, dtype=np.float64)
    known = np.isfinite(values)
    out = np.ones(n, dtype=np.float64)
    if not known.any():
        return out
    if values[known].min() >= 0 and values[known].max() <= 1:
        out[known] = values[known]
    else:  # logits, margins, ...: their order is all that can be trusted
        out[known] = rankdata(values[known]) / known.sum()
    return out


def _weights(rows: I64, dist: F32) -> F64:
    """``exp(-(d - typical) / (SHARPNESS typical))`` per neighbour: one scale for the whole
    space, so a row whose disagreeing neighbours are close weighs more evidence than one
    whose are far (a per-row scale made every all-disagreeing row score the same)."""
    valid = (rows >= 0) & np.isfinite(dist)
    d = np.where(valid, dist, 0).astype(np.float64)
    count = valid.sum(axis=1)
    means = d.sum(axis=1)[count > 0] / count[count > 0]
    typical = float(np.median(means)) if len(means) else 0.0
    if typical <= 0:  # every neighbour at distance 0: every weight equal
        return valid.astype(np.float64)
    weight: F64 = np.exp(-(d - typical) / (SHARPNESS * typical)) * valid
    return weight


def _evidence(rows: I64, neighbour_label: I64, suggested: I64) -> I64:
    """Neighbours carrying the suggested label, nearest first, compacted left."""
    carries = (neighbour_label == suggested[:, None]) & (suggested[:, None] >= 0)
    width = max(1, int(carries.sum(axis=1).max(initial=0)))
    order = np.argsort(~carries, axis=1, kind="stable")[:, :width]
    picked = np.take_along_axis(rows, order, axis=1)
    keep = np.take_along_axis(carries, order, axis=1)
    out: I64 = np.where(keep, picked, -1)
    return out
