"""The mislabel score is continuous at the top (no large ties), pools a leave-one-out linear
view of the labels, and flags a chosen share of the labelled rows (issue 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chroma.compute.analyses.mislabels import mislabel_scores
from chroma.compute.analyses.ridge import fit_ridge
from chroma.compute.neighbours import knn_graph
from chroma.core.errors import InvalidInput


def _names(values: np.ndarray) -> np.ndarray:
    return np.array([f"c{v}" for v in values], dtype=object)


@pytest.fixture(scope="module")
def lone_flips():
    """Tight, well separated blobs with 300 flipped labels: every flipped row's neighbours
    all carry its blob's label, so they all disagree with it (the case that used to tie)."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(8, 16)) * 6
    truth = rng.integers(0, 8, 4000)
    spread = rng.uniform(0.3, 1.5, size=4000)[:, None]  # some rows sit farther out
    vectors = (centres[truth] + spread * rng.normal(size=(4000, 16))).astype(np.float32)
    noisy = truth.copy()
    flipped = rng.choice(4000, 300, replace=False)
    noisy[flipped] = (truth[flipped] + rng.integers(1, 8, 300)) % 8
    rows, distances = knn_graph(vectors, 10, metric="l2")
    return vectors, truth, noisy, flipped, rows, distances


def test_rows_whose_neighbours_all_disagree_do_not_tie(lone_flips) -> None:
    vectors, _, noisy, flipped, rows, distances = lone_flips
    found = mislabel_scores(_names(noisy), rows, distances)
    everyone_disagrees = found.agreement == 0
    assert everyone_disagrees.sum() > 200
    scores = found.score[everyone_disagrees]
    # Distinct scores (float32): at most a handful of accidental equalities, never a block.
    assert len(np.unique(scores)) >= 0.97 * len(scores)
    _, ties = np.unique(np.sort(found.score)[-1000:], return_counts=True)
    assert ties.max() <= 3  # (only rows whose neighbours all agree share a score: 0)
    with_vectors = mislabel_scores(_names(noisy), rows, distances, vectors=vectors)
    top = np.sort(with_vectors.score)[::-1][:300]
    assert len(np.unique(top)) >= 297
    # the top of the ranking is the flipped rows
    ranked = np.argsort(-with_vectors.score, kind="stable")[: len(flipped)]
    assert np.isin(ranked, flipped).mean() > 0.95


def test_closer_disagreeing_neighbours_are_stronger_evidence() -> None:
    # rows 0 and 1 are labelled "a"; all their neighbours say "b", row 0's close, row 1's far
    labels = np.array(["a", "a", *["b"] * 6, "a", "a"], dtype=object)
    rows = np.array(
        [
            [2, 3, 4],
            [5, 6, 7],
            [3, 4, 0],
            [2, 4, 0],
            [2, 3, 0],
            [6, 7, 1],
            [5, 7, 1],
            [5, 6, 1],
            [9, 0, 1],
            [8, 0, 1],
        ]
    )
    distances = np.full(rows.shape, 0.5, dtype=np.float32)
    distances[0] = [0.1, 0.15, 0.2]
    distances[1] = [0.8, 0.85, 0.9]
    found = mislabel_scores(labels, rows, distances)
    assert found.agreement[0] == found.agreement[1] == 0
    assert found.score[0] > found.score[1]
    # the model's confidence orders rows the neighbours cannot tell apart
    distances[1] = distances[0]
    other = np.array(["b"] * 10, dtype=object)
    confidence = np.full(10, 0.5, dtype=np.float32)
    confidence[0], confidence[1] = 0.9, 0.6
    found = mislabel_scores(
        labels, rows, distances, predictions=other, prediction_scores=confidence
    )
    assert found.score[0] > found.score[1]


def test_the_linear_view_scores_each_row_without_its_own_label(lone_flips) -> None:
    vectors, truth, noisy, flipped, _, _ = lone_flips
    own = noisy.astype(np.int64)
    ridge = fit_ridge(vectors, own, 8)
    assert ridge is not None
    blocks = [ridge.probabilities(vectors, own, part) for part in ridge.blocks(4000)]
    probabilities = np.vstack(blocks)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    # left out, a flipped row's given label gets little belief, its true one the most
    assert np.median(probabilities[flipped, noisy[flipped]]) < 0.05
    assert (probabilities[flipped].argmax(axis=1) == truth[flipped]).mean() > 0.95
    assert fit_ridge(vectors, np.zeros(4000, dtype=np.int64), 8) is None  # one class


@pytest.mark.parametrize("share", [0.02, 0.05, 0.1])
def test_review_share_sets_the_flagged_set(lone_flips, share: float) -> None:
    vectors, truth, noisy, flipped, rows, distances = lone_flips
    labels = _names(noisy)
    labels[:200] = None  # unlabelled rows: never flagged, always given a suggestion
    found = mislabel_scores(labels, rows, distances, vectors=vectors, review_share=share)
    disputed = mislabel_scores(labels, rows, distances, vectors=vectors, review_share=1.0)
    assert found.flagged.sum() == min(math.ceil(share * 3800), disputed.flagged.sum())
    if share == 0.1:  # a quota beyond what the evidence disputes flags all of that, no more
        np.testing.assert_array_equal(found.flagged, disputed.flagged)
    assert not found.flagged[:200].any()
    has_suggestion = np.array([s is not None for s in found.suggested])
    np.testing.assert_array_equal(has_suggestion[200:], found.flagged[200:])
    assert has_suggestion[:200].all()
    assert (found.suggested[:200] == _names(truth[:200])).mean() > 0.95
    # the flagged rows are the highest scores, and mostly the flipped ones
    cut = found.score[found.flagged].min()
    assert (found.score[200:][~found.flagged[200:]] <= cut).all()
    assert np.isin(np.flatnonzero(found.flagged), flipped).mean() > 0.95
    assert (found.suggested[found.flagged] == _names(truth[found.flagged])).mean() > 0.95


def test_everything_flagged_is_only_what_the_evidence_disputes(lone_flips) -> None:
    vectors, _, noisy, flipped, rows, distances = lone_flips
    found = mislabel_scores(_names(noisy), rows, distances, vectors=vectors, review_share=1.0)
    assert 250 <= found.flagged.sum() < 600  # not every row: only where another label wins
    assert np.isin(flipped, np.flatnonzero(found.flagged)).mean() > 0.95


def test_unlabelled_rows_are_unsure_where_the_evidence_is_thin_or_mixed() -> None:
    labels = np.array(["a", "a", "a", "b", "b", "b", None, None], dtype=object)
    rows = np.array(
        [[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4], [0, 1], [0, 3]], dtype=np.int64
    )
    distances = np.full(rows.shape, 0.2, dtype=np.float32)
    found = mislabel_scores(labels, rows, distances)
    assert found.suggested[6] == "a"
    assert found.uncertainty[7] > found.uncertainty[6]  # its neighbours split a / b
    assert 0 < found.uncertainty[6] < 0.5  # two agreeing neighbours and a "don't know"


@pytest.mark.parametrize(
    ("options", "where"),
    [
        ({"review_share": 0.0}, "review_share"),
        ({"review_share": 1.5}, "review_share"),
        ({"review_share": float("nan")}, "review_share"),
        ({"linear_weight": 1.0}, "linear_weight"),
        ({"linear_weight": -0.1}, "linear_weight"),
        ({"vectors": np.zeros((3, 2), dtype=np.float32)}, "vectors"),
        ({"vectors": np.full((4, 2), np.nan, dtype=np.float32)}, "vectors"),
    ],
)
def test_bad_settings_name_the_argument(options: dict, where: str) -> None:
    labels = np.array(["a", "a", "b", "b"], dtype=object)
    rows = np.array([[1], [0], [3], [2]])
    distances = np.full((4, 1), 0.1, dtype=np.float32)
    with pytest.raises(InvalidInput) as caught:
        mislabel_scores(labels, rows, distances, **options)
    assert caught.value.where == where
