"""Mislabel scores from the kNN graph (and the model), on data whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.analyses.mislabels import mislabel_scores
from chroma.compute.neighbours import knn_graph
from chroma.core.errors import InvalidInput


def _names(values: np.ndarray) -> np.ndarray:
    return np.array([f"c{v}" for v in values], dtype=object)


@pytest.fixture(scope="module")
def noisy_blobs():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 12)) * 2.5
    truth = rng.integers(0, 6, 3000)
    vectors = (centres[truth] + rng.normal(size=(3000, 12))).astype(np.float32)
    noisy = truth.copy()
    flipped = rng.choice(3000, 150, replace=False)
    noisy[flipped] = (truth[flipped] + rng.integers(1, 6, 150)) % 6
    rows, distances = knn_graph(vectors, 10, metric="l2")
    return truth, noisy, flipped, rows, distances


def test_flipped_labels_rank_top_with_the_right_suggestion(noisy_blobs) -> None:
    truth, noisy, flipped, rows, distances = noisy_blobs
    found = mislabel_scores(_names(noisy), rows, distances)
    top = np.argsort(-found.score, kind="stable")[: len(flipped)]
    assert np.isin(top, flipped).mean() > 0.95
    assert (found.suggested[flipped] == _names(truth[flipped])).mean() > 0.95
    clean = np.setdiff1d(np.arange(len(noisy)), flipped)
    assert (found.suggested[clean] == None).mean() > 0.97  # noqa: E711 (object array)
    assert np.nanmedian(found.agreement[clean]) == 1.0
    assert ((found.score >= 0) & (found.score <= 1)).all()
    # evidence: the neighbours that carry the suggested label, nothing else
    for row in flipped[:20]:
        listed = found.evidence[row][found.evidence[row] >= 0]
        assert len(listed) > 0
        assert (_names(noisy[listed]) == found.suggested[row]).all()
        assert set(listed) <= set(rows[row])


def test_the_model_raises_or_lowers_the_score(noisy_blobs) -> None:
    _, noisy, _, rows, distances = noisy_blobs
    labels = _names(noisy)
    alone = mislabel_scores(labels, rows, distances).score
    other = _names((noisy + 1) % 6)
    disagree = mislabel_scores(
        labels, rows, distances, predictions=other, prediction_scores=np.full(3000, 0.95)
    ).score
    agree = mislabel_scores(
        labels, rows, distances, predictions=labels, prediction_scores=np.full(3000, 0.95)
    ).score
    assert (disagree > alone).mean() > 0.99
    # A linear pool moves the score towards the model's own doubt (5% here): down wherever
    # the neighbourhood doubts more, and never above that doubt's share where it doubts less.
    doubtful = alone > 0.05
    assert doubtful.sum() > 300
    assert (agree[doubtful] < alone[doubtful]).all()
    assert (agree[~doubtful] <= 0.05).all()
    hesitant = mislabel_scores(
        labels, rows, distances, predictions=other, prediction_scores=np.full(3000, 0.3)
    ).score
    assert (hesitant < disagree).all()  # a confident disagreement weighs more
    # Logits (outside [0, 1]) are used by rank: no crash, still in [0, 1].
    logits = mislabel_scores(
        labels, rows, distances, predictions=other, prediction_scores=np.linspace(-3, 9, 3000)
    ).score
    assert ((logits >= 0) & (logits <= 1)).all()


def test_neighbour_votes_weigh_by_distance_and_the_label_counts_once() -> None:
    labels = np.array(["a", "a", "b", "b"], dtype=object)
    rows = np.array([[2, 3, 1], [0, 2, 3], [3, 0, 1], [2, 0, 1]])
    distances = np.array([[0.1, 0.2, 0.9]] * 4, dtype=np.float32)
    found = mislabel_scores(labels, rows, distances)
    # one scale for the space: the median row's mean distance (0.4) weighs 1
    weights = np.exp(-(np.array([0.1, 0.2, 0.9]) - 0.4) / 0.4)
    # row 0 ("a"): neighbours b, b, a
    assert found.agreement[0] == pytest.approx(weights[2] / weights.sum(), rel=1e-5)
    assert found.score[0] == pytest.approx(1 - (weights[2] + 1) / (weights.sum() + 1), rel=1e-5)
    assert found.suggested[0] == "b"
    assert found.evidence[0][:2].tolist() == [2, 3]


def test_unlabelled_rows_get_no_score_but_a_suggestion(noisy_blobs) -> None:
    truth, noisy, _, rows, distances = noisy_blobs
    labels = _names(noisy)
    labels[:100] = None
    found = mislabel_scores(labels, rows, distances)
    assert np.isnan(found.score[:100]).all()
    assert np.isnan(found.agreement[:100]).all()
    assert np.isfinite(found.score[100:]).all()
    assert (found.suggested[:100] == _names(truth[:100])).mean() > 0.9


def test_bad_inputs_name_the_field() -> None:
    rows = np.array([[1], [0]])
    distances = np.zeros((2, 1), dtype=np.float32)
    with pytest.raises(InvalidInput) as caught:
        mislabel_scores(np.array([None, None], dtype=object), rows, distances)
    assert caught.value.where == "labels"
    labels = np.array(["a", "b"], dtype=object)
    with pytest.raises(InvalidInput) as caught:
        mislabel_scores(labels, rows, np.zeros((2, 2), dtype=np.float32))
    assert caught.value.where == "distances"
    with pytest.raises(InvalidInput) as caught:
        mislabel_scores(labels, np.array([[1], [5]]), distances)
    assert caught.value.where == "neighbours"
    with pytest.raises(InvalidInput) as caught:
        mislabel_scores(labels, rows, distances, predictions=labels[:1])
    assert caught.value.where == "predictions"
