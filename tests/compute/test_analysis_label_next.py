"""What to label next: weights, size, candidates and diversity."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.analyses.label_next import label_next
from chroma.core.errors import InvalidInput

GROUPS, PER_GROUP = 40, 10


@pytest.fixture(scope="module")
def cliques() -> np.ndarray:
    """40 groups of 10 near-copies: each row's neighbours are the rest of its group."""
    group = np.repeat(np.arange(GROUPS), PER_GROUP)
    return np.array(
        [
            np.flatnonzero((group == group[i]) & (np.arange(len(group)) != i))
            for i in range(len(group))
        ]
    )


def _signals(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = GROUPS * PER_GROUP
    return tuple(rng.random(n).astype(np.float32) for _ in range(3))  # type: ignore[return-value]


def test_weights_decide_the_order(cliques: np.ndarray) -> None:
    uncertainty, mislabel, outlier = _signals()
    n = len(uncertainty)
    everyone = np.ones(n, dtype=bool)
    only_mislabel = {"uncertainty": 0, "mislabel": 1, "outlier": 0, "diversity": 0}
    picked = label_next(
        size=25,
        uncertainty=uncertainty,
        mislabel=mislabel,
        outlier=outlier,
        neighbours=cliques,
        candidates=everyone,
        weights=only_mislabel,
    )
    np.testing.assert_array_equal(picked.order, np.argsort(-mislabel)[:25])
    # ranks, not values: a signal's scale does not matter
    scaled = label_next(
        size=25,
        uncertainty=uncertainty,
        mislabel=mislabel * 1000 - 7,
        outlier=outlier,
        neighbours=cliques,
        candidates=everyone,
        weights=only_mislabel,
    )
    np.testing.assert_array_equal(scaled.order, picked.order)
    mixed = label_next(
        size=n,
        uncertainty=uncertainty,
        mislabel=mislabel,
        outlier=None,
        neighbours=cliques,
        candidates=everyone,
        weights={"uncertainty": 3, "mislabel": 1, "diversity": 0},
    )
    rank = lambda v: (np.argsort(np.argsort(v)) + 1) / n  # noqa: E731
    np.testing.assert_allclose(mixed.score, (3 * rank(uncertainty) + rank(mislabel)) / 4, rtol=1e-5)


def test_size_candidates_and_ranks(cliques: np.ndarray) -> None:
    uncertainty, mislabel, outlier = _signals(1)
    candidates = np.zeros(len(uncertainty), dtype=bool)
    candidates[::3] = True
    picked = label_next(
        size=30,
        uncertainty=uncertainty,
        mislabel=mislabel,
        outlier=outlier,
        neighbours=cliques,
        candidates=candidates,
    )
    assert len(set(picked.order.tolist())) == len(picked.order) == 30
    assert candidates[picked.order].all()
    assert np.isnan(picked.score[~candidates]).all()
    assert np.isfinite(picked.score[candidates]).all()
    np.testing.assert_array_equal(picked.rank[picked.order], np.arange(1, 31))
    assert (picked.rank > 0).sum() == 30
    everything = label_next(
        size=10_000,
        uncertainty=uncertainty,
        mislabel=None,
        outlier=None,
        neighbours=cliques,
        candidates=candidates,
    )
    assert sorted(everything.order.tolist()) == np.flatnonzero(candidates).tolist()


def test_diversity_spreads_the_picks_over_groups(cliques: np.ndarray) -> None:
    n = GROUPS * PER_GROUP
    group = np.repeat(np.arange(GROUPS), PER_GROUP)
    uncertainty = np.random.default_rng(2).random(n).astype(np.float32)
    uncertainty[group < 3] += 10  # three groups hold the 30 most uncertain rows
    common = {"mislabel": None, "outlier": None, "neighbours": cliques}
    plain = label_next(
        size=12,
        uncertainty=uncertainty,
        candidates=np.ones(n, dtype=bool),
        weights={"diversity": 0},
        **common,
    )
    assert set(group[plain.order].tolist()) <= {0, 1, 2}
    diverse = label_next(
        size=12, uncertainty=uncertainty, candidates=np.ones(n, dtype=bool), **common
    )
    assert len(set(group[diverse.order].tolist())) == 12  # one per group
    assert set(group[diverse.order[:3]].tolist()) == {0, 1, 2}  # the strong groups first
    # NaN counts 0: such rows come last
    uncertainty[:5] = np.nan
    last = label_next(
        size=n,
        uncertainty=uncertainty,
        candidates=np.ones(n, dtype=bool),
        weights={"diversity": 0},
        **common,
    )
    assert set(last.order[-5:].tolist()) == set(range(5))


def test_bad_inputs_name_the_field(cliques: np.ndarray) -> None:
    n = len(cliques)
    base = {
        "size": 5,
        "uncertainty": None,
        "mislabel": None,
        "outlier": None,
        "neighbours": cliques,
        "candidates": np.ones(n, dtype=bool),
    }
    with pytest.raises(InvalidInput) as caught:
        label_next(**{**base, "weights": {"surprise": 1.0}})
    assert caught.value.where == "weights.surprise"
    with pytest.raises(InvalidInput) as caught:
        label_next(**{**base, "weights": {"outlier": -1.0}})
    assert caught.value.where == "weights.outlier"
    with pytest.raises(InvalidInput) as caught:
        label_next(**{**base, "weights": {"outlier": "high"}})
    assert caught.value.where == "weights.outlier"
    with pytest.raises(InvalidInput) as caught:
        label_next(**{**base, "candidates": np.zeros(n, dtype=bool)})
    assert caught.value.where == "candidates"
    with pytest.raises(InvalidInput) as caught:
        label_next(**{**base, "size": 0})
    assert caught.value.where == "size"
    with pytest.raises(InvalidInput) as caught:
        label_next(**{**base, "uncertainty": np.zeros(3, dtype=np.float32)})
    assert caught.value.where == "uncertainty"
