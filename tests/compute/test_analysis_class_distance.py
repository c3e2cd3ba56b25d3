"""Class distance (Mahalanobis to shrinkage Gaussians) on data whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf
from sklearn.metrics import roc_auc_score

from chroma.compute.analyses.class_distance import class_distances
from chroma.core.errors import InvalidInput


def _names(values: np.ndarray) -> np.ndarray:
    return np.array([f"c{v}" for v in values], dtype=object)


def _blobs(n: int, dim: int, classes: int = 5, flips: int = 0, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dim)) * 3
    truth = rng.integers(0, classes, n)
    vectors = (centres[truth] + rng.normal(size=(n, dim))).astype(np.float32)
    noisy = truth.copy()
    flipped = rng.choice(n, flips, replace=False)
    noisy[flipped] = (truth[flipped] + rng.integers(1, classes, flips)) % classes
    return vectors, truth, noisy, flipped


@pytest.mark.parametrize("dim", [16, 200])  # 200 > 64: the shared PCA and residual path
def test_flipped_rows_are_far_from_their_given_class(dim: int) -> None:
    vectors, truth, noisy, flipped = _blobs(2500, dim, flips=100)
    found = class_distances(vectors, _names(noisy), np.ones(len(noisy), dtype=bool))
    is_flipped = np.zeros(len(noisy), dtype=bool)
    is_flipped[flipped] = True
    # Robust refits keep the 4% strays from inflating their wrong class's covariance.
    assert roc_auc_score(is_flipped, found.own_distance) > 0.99
    assert (found.nearest_class == _names(truth)).mean() > 0.99
    assert found.fitted == {f"c{c}": int((noisy == c).sum()) for c in range(5)}
    assert found.too_small == {}
    assert found.own_distance.dtype == np.float32


def test_matches_the_textbook_mahalanobis_distance_in_low_dimensions() -> None:
    vectors, _, labels, _ = _blobs(600, 6, classes=2, seed=3)
    found = class_distances(vectors, _names(labels), np.ones(600, dtype=bool), reweight=False)
    for c in (0, 1):
        rows = labels == c
        model = LedoitWolf().fit(vectors[rows].astype(np.float64))
        want = np.sqrt(model.mahalanobis(vectors[rows].astype(np.float64)))
        np.testing.assert_allclose(found.own_distance[rows], want, rtol=1e-3)


def test_a_point_off_the_reference_subspace_is_far() -> None:
    # 100-dim vectors that live in 5 dimensions: a point sticking out of them must be far,
    # though its projection onto the kept axes looks ordinary (the residual term).
    rng = np.random.default_rng(1)
    basis = np.linalg.qr(rng.normal(size=(100, 5)))[0].T
    vectors = (rng.normal(size=(800, 5)) @ basis).astype(np.float32)
    vectors += rng.normal(size=(800, 100)).astype(np.float32) * 0.01
    probe = vectors[:1] + 0.5 * np.linalg.qr(rng.normal(size=(100, 1)))[0].T.astype(np.float32)
    data = np.vstack([vectors, probe])
    labels = np.array(["a"] * len(data), dtype=object)
    reference = np.r_[np.ones(800, dtype=bool), False]
    found = class_distances(data, labels, reference, dims=8)
    # ~49 against ~10 (a chi with 100 degrees of freedom); without the residual term ~3
    assert found.own_distance[-1] > 3 * np.quantile(found.own_distance[:-1], 0.99)


def test_small_classes_are_reported_not_fitted() -> None:
    vectors, _, labels, _ = _blobs(300, 8, classes=3)
    names = _names(labels)
    names[:3] = "rare"  # three reference rows: under min_class_size
    names[3] = None  # unlabelled
    reference = np.ones(300, dtype=bool)
    reference[4] = False
    names[4] = "unseen"  # only outside the reference
    found = class_distances(vectors, names, reference, min_class_size=5)
    assert found.too_small == {"rare": 3, "unseen": 0}
    assert sorted(found.fitted) == ["c0", "c1", "c2"]
    assert np.isnan(found.own_distance[:5]).all()  # rare, unlabelled and unseen rows
    assert set(found.nearest_class[:5]) <= set(found.fitted)  # yet a nearest class each
    assert np.isfinite(found.own_distance[5:]).all()
    assert (found.nearest_distance <= np.nan_to_num(found.own_distance, nan=np.inf)).all()


def test_bad_inputs_name_the_field() -> None:
    vectors, _, labels, _ = _blobs(50, 4, classes=2)
    names = _names(labels)
    with pytest.raises(InvalidInput) as caught:
        class_distances(vectors, names, np.zeros(50, dtype=bool))
    assert caught.value.where == "reference"
    with pytest.raises(InvalidInput) as caught:
        class_distances(vectors, names, np.ones(50, dtype=bool), min_class_size=100)
    assert caught.value.where == "labels"
    with pytest.raises(InvalidInput) as caught:
        class_distances(vectors, names[:10], np.ones(50, dtype=bool))
    assert caught.value.where == "labels"
    bad = vectors.copy()
    bad[7, 1] = np.nan
    with pytest.raises(InvalidInput) as caught:
        class_distances(bad, names, np.ones(50, dtype=bool))
    assert caught.value.where == "vectors[7]"


def test_a_two_row_class_in_many_dimensions_stays_finite() -> None:
    # Ledoit-Wolf's shrinkage is 0 for two rows: the variance floor keeps it invertible.
    vectors = np.random.default_rng(0).normal(size=(30, 100)).astype(np.float32)
    labels = np.array(["pair"] * 2 + ["rest"] * 28, dtype=object)
    found = class_distances(vectors, labels, np.ones(30, dtype=bool), min_class_size=2)
    assert found.fitted == {"pair": 2, "rest": 28}
    assert np.isfinite(found.own_distance).all()
