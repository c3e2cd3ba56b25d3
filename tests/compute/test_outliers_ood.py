"""The OOD score and its flag (issue 15): a flag calibrated on the reference, the combined
score against a shift the distance alone misses, and the scores it was measured against
(class-conditional Mahalanobis, LOF) on a shift all of them see."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from chroma.compute.analyses.class_distance import class_distances
from chroma.compute.analyses.outliers import outlier_scores
from chroma.compute.neighbours import exact_search
from chroma.core.errors import InvalidInput

K = 10


def lists_among(vectors: np.ndarray, among: np.ndarray, k: int = K):
    """Every row's k nearest rows of ``among`` (row positions, self excluded), exactly."""
    rows_among = np.flatnonzero(among)
    found, distances = exact_search(vectors[rows_among], vectors, k + 1, metric="l2")
    rows = rows_among[found]
    is_self = rows == np.arange(len(vectors))[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    return rows[~is_self].reshape(-1, k), distances[~is_self].reshape(-1, k)


def scores(vectors: np.ndarray, reference: np.ndarray, **options):
    rows, distances = lists_among(vectors, reference)
    others, other_distances = lists_among(vectors, ~reference)
    return outlier_scores(
        rows,
        distances,
        reference,
        k=K,
        other_neighbours=others,
        other_distances=other_distances,
        **options,
    )


@pytest.fixture(scope="module")
def mixture():
    """A reference of 4 Gaussian classes in 8-D; other rows: 1,500 drawn like it and 300
    of a fifth class the reference never saw."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(5, 8)) * 3
    seen = rng.integers(0, 4, size=3500)
    vectors = np.vstack(
        [centres[seen] + rng.normal(size=(3500, 8)), centres[4] + rng.normal(size=(300, 8))]
    ).astype(np.float32)
    reference = np.r_[np.ones(2000, bool), np.zeros(1800, bool)]
    labels = np.r_[np.array([f"c{c}" for c in seen[:2000]], dtype=object), [None] * 1800]
    new = np.r_[np.zeros(3500, bool), np.ones(300, bool)]
    return vectors, reference, labels.astype(object), new


@pytest.mark.parametrize("quantile", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("method", ["combined", "knn"])
def test_the_flag_flags_one_minus_quantile_of_rows_drawn_like_the_reference(
    mixture, quantile, method
) -> None:
    vectors, reference, _, new = mixture
    found = scores(vectors, reference, quantile=quantile, method=method)
    assert found.ood[reference].mean() == pytest.approx(1 - quantile, abs=0.005)
    # Rows the reference never held but drawn like it: the same rate, because a
    # reference row's own score is leave-one-out (never its own neighbour).
    unseen = ~reference & ~new
    assert found.ood[unseen].mean() == pytest.approx(1 - quantile, abs=0.02)
    assert found.ood[new].mean() > 0.9
    assert found.threshold == pytest.approx(np.quantile(found.ood_score[reference], quantile))


def test_a_dense_new_group_inside_the_reference_is_found_by_the_combined_score() -> None:
    """A tight group in a sparse part of a broad reference: its rows are no farther from the
    reference than the reference's own rows are (the distance alone misses them), but they
    crowd each other: the density ratio sees it."""
    rng = np.random.default_rng(5)
    broad = rng.normal(size=(2600, 6))
    group = np.array([1.5, 0, 0, 0, 0, 0]) + 0.05 * rng.normal(size=(200, 6))
    vectors = np.vstack([broad, group]).astype(np.float32)
    reference = np.r_[np.ones(2000, bool), np.zeros(800, bool)]
    new = np.r_[np.zeros(2600, bool), np.ones(200, bool)]
    other = ~reference
    combined = scores(vectors, reference)
    knn = scores(vectors, reference, method="knn")
    assert combined.parts == ["distance", "density_ratio"]
    assert knn.parts == ["knn_distance"]
    assert roc_auc_score(new[other], knn.ood_score[other]) < 0.6
    assert roc_auc_score(new[other], combined.ood_score[other]) > 0.99
    assert combined.ood[new].mean() > 0.9
    assert combined.ood[other & ~new].mean() < 0.1


def test_lone_far_rows_are_flagged_though_nothing_crowds_them() -> None:
    rng = np.random.default_rng(6)
    vectors = rng.normal(size=(1600, 6))
    directions = rng.normal(size=(5, 6))
    vectors[-5:] = 12 * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    reference = np.r_[np.ones(1000, bool), np.zeros(600, bool)]
    found = scores(vectors.astype(np.float32), reference)
    assert found.ood[-5:].all()
    assert found.ood_score[-5:].min() > np.sort(found.ood_score[1000:-5])[-3]


def test_mahalanobis_lof_and_the_combined_score_all_see_a_new_class(mixture) -> None:
    vectors, reference, labels, new = mixture
    other = ~reference
    found = scores(vectors, reference)
    classes = class_distances(vectors, labels, reference)
    auroc = {
        "mahalanobis": roc_auc_score(new[other], classes.nearest_distance[other]),
        "lof": roc_auc_score(new[other], found.density_score[other]),
        "combined": roc_auc_score(new[other], found.ood_score[other]),
    }
    assert min(auroc.values()) > 0.95, auroc
    assert auroc["combined"] >= max(auroc["mahalanobis"], auroc["lof"]) - 0.01, auroc


def test_without_other_rows_the_score_is_the_distance_alone(mixture) -> None:
    vectors, reference, _, _ = mixture
    rows, distances = lists_among(vectors, reference)
    alone = outlier_scores(rows, distances, reference, k=K)
    assert alone.parts == ["distance"]
    order = np.argsort(distances[:, 0], kind="stable")
    assert (np.diff(alone.ood_score[order]) >= 0).all()  # ranked as the nearest distance
    # Fewer than k + 1 other rows: no density ratio to speak of either.
    few = reference.copy()
    few[np.flatnonzero(~reference)[K:]] = True
    others, other_distances = lists_among(vectors, ~few, K - 1)  # all 9 others of each
    others = np.c_[others, np.full(len(others), -1)]
    other_distances = np.c_[other_distances, np.full(len(others), np.inf)]
    rows, distances = lists_among(vectors, few)
    found = outlier_scores(
        rows, distances, few, k=K, other_neighbours=others, other_distances=other_distances
    )
    assert found.parts == ["distance"]


def test_copies_among_the_other_rows_keep_scores_finite() -> None:
    rng = np.random.default_rng(8)
    vectors = np.vstack([rng.normal(size=(300, 4)), np.full((30, 4), 0.5)]).astype(np.float32)
    reference = np.r_[np.ones(200, bool), np.zeros(130, bool)]
    found = scores(vectors, reference)
    assert np.isfinite(found.ood_score).all()
    assert found.ood[-30:].all()  # a pile of one input the reference never held


def test_bad_inputs_name_the_argument(mixture) -> None:
    vectors, reference, _, _ = mixture
    rows, distances = lists_among(vectors, reference)
    others, other_distances = lists_among(vectors, ~reference)
    with pytest.raises(InvalidInput) as caught:
        outlier_scores(rows, distances, reference, method="lof")
    assert caught.value.where == "method"
    with pytest.raises(InvalidInput) as caught:
        outlier_scores(rows, distances, reference, other_neighbours=others)
    assert caught.value.where == "other_neighbours"
    with pytest.raises(InvalidInput) as caught:  # lists among the reference, not the others
        outlier_scores(rows, distances, reference, other_neighbours=rows, other_distances=distances)
    assert caught.value.where == "other_neighbours"
    with pytest.raises(InvalidInput) as caught:
        outlier_scores(
            rows,
            distances,
            reference,
            other_neighbours=others[:, :3],  # shorter than k
            other_distances=other_distances[:, :3],
        )
    assert caught.value.where == "other_neighbours"
