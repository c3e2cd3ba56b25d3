"""Label next covers unlabelled rows (uncertainty, novelty) beside the labelled rows' mislabel
signal, on one scale, and the candidates can be restricted (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.analyses.label_next import candidate_rows, label_next, label_next_signals
from chroma.compute.neighbours import knn_graph
from chroma.core.errors import InvalidInput


@pytest.fixture(scope="module")
def space():
    """Four labelled blobs (30 flipped labels among 1,200), unlabelled rows of the same
    blobs (300), and an unlabelled new blob (100) that no label describes."""
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(5, 16)) * 5
    blob = np.r_[rng.integers(0, 4, 1500), np.full(100, 4)]
    vectors = (centres[blob] + rng.normal(size=(1600, 16))).astype(np.float32)
    labels = np.array([f"c{b}" for b in blob], dtype=object)
    flipped = rng.choice(1200, 30, replace=False)
    labels[flipped] = [f"c{(b + 1) % 4}" for b in blob[flipped]]
    labels[1200:] = None
    rows, distances = knn_graph(vectors, 10, metric="l2")
    new = np.zeros(1600, dtype=bool)
    new[1500:] = True
    wrong = np.zeros(1600, dtype=bool)
    wrong[flipped] = True
    return vectors, labels, rows, distances, new, wrong


def test_unlabelled_rows_get_their_own_signals(space) -> None:
    vectors, labels, rows, distances, new, _ = space
    signals = label_next_signals(labels, rows, distances, vectors=vectors)
    labelled = labels != None  # noqa: E711 (object array)
    for name in ("uncertainty", "novelty"):
        values = signals[name]
        assert values is not None
        assert np.isnan(values[labelled]).all()
        assert np.isfinite(values[~labelled]).all()
    assert np.isfinite(signals["mislabel"][labelled]).all()
    assert np.isnan(signals["mislabel"][~labelled]).all()
    # the new blob lies far from every label and the evidence is unsure of it
    novelty, uncertainty = signals["novelty"], signals["uncertainty"]
    assert np.nanmin(novelty[new]) > np.nanmedian(novelty[~labelled & ~new])
    assert np.median(uncertainty[new]) > np.median(uncertainty[~labelled & ~new])


def test_the_top_picks_hold_new_rows_and_flipped_labels(space) -> None:
    vectors, labels, rows, distances, new, wrong = space
    signals = label_next_signals(labels, rows, distances, vectors=vectors)
    picks = label_next(size=60, neighbours=rows, candidates=np.ones(1600, dtype=bool), **signals)
    # used to be 0 (an unlabelled row's mislabel counted 0); diversity keeps it to a few of
    # the one new blob
    assert new[picks.order].sum() >= 5
    assert wrong[picks.order].sum() >= 15
    base_rate = (new | wrong).mean()  # 8% of the rows
    assert (new | wrong)[picks.order].mean() > 5 * base_rate
    # one scale: the best unlabelled and the best labelled rows both reach the top
    assert np.nanmax(picks.score[new]) > 0.9
    assert np.nanmax(picks.score[wrong]) > 0.9


def test_a_signal_a_row_lacks_does_not_drag_it_down() -> None:
    neighbours = np.array([[1], [0], [3], [2]])
    mislabel = np.array([0.9, 0.1, np.nan, np.nan], dtype=np.float32)
    novelty = np.array([np.nan, np.nan, 5.0, 1.0], dtype=np.float32)
    picks = label_next(
        size=4,
        uncertainty=None,
        mislabel=mislabel,
        outlier=None,
        novelty=novelty,
        neighbours=neighbours,
        candidates=np.ones(4, dtype=bool),
        weights={"diversity": 0},
    )
    np.testing.assert_allclose(picks.score, [1.0, 0.5, 1.0, 0.5])


def test_the_outlier_signal_alone_when_nothing_else_applies() -> None:
    neighbours = np.array([[1], [0], [3], [2]])
    outlier = np.array([0.1, 0.4, 0.3, 0.2], dtype=np.float32)
    picks = label_next(
        size=2,
        uncertainty=None,
        mislabel=None,
        outlier=outlier,
        neighbours=neighbours,
        candidates=np.ones(4, dtype=bool),
        weights={"diversity": 0},  # and the default outlier weight, 0
    )
    assert picks.order.tolist() == [1, 2]


def test_without_labels_the_logged_scores_give_the_uncertainty(space) -> None:
    _, labels, rows, distances, _, _ = space
    none = np.full(len(labels), None, dtype=object)
    scores = np.linspace(0.2, 1.0, len(labels)).astype(np.float32)
    signals = label_next_signals(none, rows, distances, prediction_scores=scores)
    np.testing.assert_allclose(signals["uncertainty"], 1 - scores, rtol=1e-6)
    assert signals["mislabel"] is None
    assert signals["novelty"] is None


def test_candidate_rows_restrict_the_picks(space) -> None:
    vectors, labels, rows, distances, _, _ = space
    labelled = labels != None  # noqa: E711 (object array)
    signals = label_next_signals(labels, rows, distances, vectors=vectors)
    for which, expected in (("unlabelled", ~labelled), ("labelled", labelled)):
        wanted = candidate_rows(labels, which)
        np.testing.assert_array_equal(wanted, expected)
        picks = label_next(size=40, neighbours=rows, candidates=wanted, **signals)
        assert expected[picks.order].all()
    within = np.zeros(len(labels), dtype=bool)
    within[1400:] = True  # e.g. one dataset's rows
    both = candidate_rows(labels, "unlabelled", within)
    np.testing.assert_array_equal(both, within & ~labelled)
    assert candidate_rows(labels, "all").all()


def test_bad_candidate_rows_name_the_argument(space) -> None:
    _, labels, _, _, _, _ = space
    with pytest.raises(InvalidInput) as caught:
        candidate_rows(labels, "some")
    assert caught.value.where == "candidate_rows"
    within = np.zeros(len(labels), dtype=bool)
    within[:10] = True  # labelled rows only
    with pytest.raises(InvalidInput) as caught:
        candidate_rows(labels, "unlabelled", within)
    assert caught.value.where == "candidate_rows"
    with pytest.raises(InvalidInput) as caught:
        candidate_rows(labels, "all", within[:5])
    assert caught.value.where == "candidates"
