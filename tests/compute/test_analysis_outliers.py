"""Outlier and OOD scores against a reference, on data whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import LocalOutlierFactor

from chroma.compute.analyses.outliers import ood_summary, outlier_scores
from chroma.compute.neighbours import exact_search
from chroma.core.errors import InvalidInput


def _reference_lists(vectors: np.ndarray, reference: np.ndarray, k: int):
    """Every row's k nearest reference rows (row positions, self excluded), exactly."""
    ref_rows = np.flatnonzero(reference)
    found, distances = exact_search(vectors[ref_rows], vectors, k + 1, metric="l2")
    rows = ref_rows[found]
    is_self = rows == np.arange(len(vectors))[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    return rows[~is_self].reshape(-1, k), distances[~is_self].reshape(-1, k)


@pytest.fixture(scope="module")
def far_cluster():
    rng = np.random.default_rng(0)
    inside = rng.normal(size=(1500, 6))
    test = rng.normal(size=(300, 6))  # the same distribution, not in the reference
    far = rng.normal(size=(200, 6)) + 6  # a cluster the reference never saw
    vectors = np.vstack([inside, test, far]).astype(np.float32)
    reference = np.r_[np.ones(1500, bool), np.zeros(500, bool)]
    rows, distances = _reference_lists(vectors, reference, 10)
    return vectors, reference, rows, distances


def test_a_far_cluster_is_flagged_and_the_reference_mostly_not(far_cluster) -> None:
    _, reference, rows, distances = far_cluster
    found = outlier_scores(rows, distances, reference, k=10, quantile=0.95, method="knn")
    assert found.ood[1800:].mean() > 0.99
    assert 0.04 <= found.ood[:1500].mean() <= 0.06  # the quantile, by construction
    assert found.ood[1500:1800].mean() < 0.15  # unseen rows of the same distribution
    # method="knn": the score orders rows as the k-th distance does
    order = np.argsort(distances[:, 9], kind="stable")
    assert (np.diff(found.ood_score[order]) >= 0).all()
    assert found.threshold == pytest.approx(np.quantile(found.ood_score[:1500], 0.95))
    np.testing.assert_array_equal(found.knn_distance, distances[:, 9])
    assert np.median(found.density_score[:1500]) == pytest.approx(1.0, abs=0.1)
    assert found.density_score[1800:].min() > np.quantile(found.density_score[:1800], 0.9)


def test_density_score_is_the_local_outlier_factor(far_cluster) -> None:
    vectors, reference, rows, distances = far_cluster
    found = outlier_scores(rows, distances, reference, k=10)
    lof = LocalOutlierFactor(n_neighbors=10, novelty=True).fit(vectors[reference])
    np.testing.assert_allclose(
        found.density_score[reference], -lof.negative_outlier_factor_, rtol=1e-4
    )
    np.testing.assert_allclose(
        found.density_score[~reference], -lof.score_samples(vectors[~reference]), rtol=1e-4
    )


def test_exact_copies_in_the_reference_keep_scores_finite() -> None:
    vectors = np.vstack([np.zeros((15, 2)), np.random.default_rng(1).normal(size=(30, 2))])
    reference = np.ones(45, dtype=bool)
    rows, distances = _reference_lists(vectors.astype(np.float32), reference, 5)
    found = outlier_scores(rows, distances, reference, k=5)
    assert np.isfinite(found.density_score).all()


def test_ood_summary_counts_per_dataset() -> None:
    ood = np.array([True, False, False, True, True])
    codes = np.array([0, 0, 1, 1, 1], dtype=np.int32)
    summary = ood_summary(ood, codes, ["train", "prod", "empty"])
    assert summary["train"] == {"rows": 2, "outside": 1, "fraction": 0.5}
    assert summary["prod"] == {"rows": 3, "outside": 2, "fraction": pytest.approx(2 / 3)}
    assert summary["empty"]["rows"] == 0
    assert np.isnan(summary["empty"]["fraction"])


def test_bad_inputs_name_the_field(far_cluster) -> None:
    _, reference, rows, distances = far_cluster
    few = np.zeros(len(reference), dtype=bool)
    few[:5] = True
    with pytest.raises(InvalidInput) as caught:
        outlier_scores(rows, distances, few, k=10)
    assert caught.value.where == "reference"
    with pytest.raises(InvalidInput) as caught:
        outlier_scores(rows[:, :5], distances[:, :5], reference, k=10)
    assert caught.value.where == "reference_neighbours"
    wrong = rows.copy()
    wrong[0, 0] = 1900  # not a reference row
    with pytest.raises(InvalidInput) as caught:
        outlier_scores(wrong, distances, reference, k=10)
    assert caught.value.where == "reference_neighbours"
    with pytest.raises(InvalidInput) as caught:
        outlier_scores(rows, distances, reference, quantile=1.0)
    assert caught.value.where == "quantile"
    with pytest.raises(InvalidInput) as caught:
        ood_summary(np.zeros(2, bool), np.array([0, 3], dtype=np.int32), ["a"])
    assert caught.value.where == "dataset_codes"
