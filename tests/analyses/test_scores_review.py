"""The mislabels job flags the share of labelled points the user wants to review, and the
label-next job reaches unlabelled points and keeps to the candidate rows asked for, end to
end on a real store (SQLite and PostgreSQL) (issue 15)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from analysis_data import clustered, counts, far_points, log, run_queued

from chroma.core.errors import InvalidInput
from chroma.db.store import Store
from chroma.services.analyses import AnalysisRecord, get_analysis, run_analysis
from chroma.services.analyses.rows import analysis_table

FLIPPED = [3, 17, 42, 77, 101, 120, 150, 199]


def _run(store: Store, kind: str, **options: Any) -> AnalysisRecord:
    record, _ = run_analysis(store, project="p", space="s", kind=kind, **options)
    ran = run_queued(store)
    assert [j.state for j in ran] == ["succeeded"], [j.error for j in ran]
    with store.read() as session:
        return get_analysis(session, record.id)


def _rows(store: Store, analysis_id: int) -> list[dict[str, Any]]:
    return list(analysis_table(store, analysis_id).to_pylist())


def _log_space(store: Store) -> tuple[list[str], list[str]]:
    """200 labelled points (8 labels flipped), 40 unlabelled ones of the same clusters and a
    far clump of 20 unlabelled ones; their keys and true labels."""
    vectors, keys, labels = clustered(200)
    given = list(labels)
    for i in FLIPPED:
        given[i] = labels[(i + 1) % len(labels)]
    log(store, vectors, keys, labels=given)
    more, more_keys, _ = clustered(40, seed=3, prefix="u")
    log(store, more, more_keys, dataset="prod")
    far, far_keys = far_points(20)
    log(store, far, far_keys, dataset="prod")
    return keys, labels


@pytest.mark.parametrize("share", [0.02, 0.3])
def test_review_share_decides_which_points_get_a_suggestion(store, share: float) -> None:
    keys, labels = _log_space(store)
    record = _run(store, "mislabels", params={"review_share": share})
    assert record.params == {"k": 10, "review_share": share}
    summary = record.summary
    assert summary is not None
    assert summary["labelled"] == 200
    # 4 of the 200 labelled points at 2%; at 30% only the disputed ones (the 8 flipped)
    expected = math.ceil(share * 200) if share < 0.04 else len(FLIPPED)
    assert summary["flagged"] == expected
    rows = _rows(store, record.id)
    labelled = [r for r in rows if r["label"] is not None]
    suggested = [r for r in labelled if r["suggested_label"] is not None]
    assert len(suggested) == expected
    true_label = dict(zip(keys, labels, strict=True))
    flipped_keys = {keys[i] for i in FLIPPED}
    for row in suggested:
        assert row["key"] in flipped_keys
        assert row["suggested_label"] == true_label[row["key"]]
    # the top of the ranking: distinct scores, flipped first
    top = [r["mislabel_score"] for r in labelled[: len(FLIPPED)]]
    assert len(set(top)) == len(top)
    assert {r["key"] for r in labelled[: len(FLIPPED)]} == flipped_keys
    unlabelled = [r for r in rows if r["label"] is None]
    assert len(unlabelled) == 60
    assert all(r["mislabel_score"] is None for r in unlabelled)


def test_label_next_reaches_unlabelled_points_and_keeps_to_the_candidates(store) -> None:
    _log_space(store)
    everything = _run(store, "label_next", params={"size": 20})
    assert everything.params["candidate_rows"] == "all"
    assert everything.summary is not None
    assert everything.summary["signals"] == ["uncertainty", "mislabel", "novelty", "outlier"]
    picked = [r for r in _rows(store, everything.id) if r["label_next_rank"] is not None]
    assert len(picked) == 20
    assert any(r["key"].startswith("far") for r in picked)  # the clump no label describes
    assert any(r["label"] is not None for r in picked)  # and the flipped labels
    for which, wanted in (("unlabelled", "prod"), ("labelled", "train")):
        record = _run(store, "label_next", params={"size": 15, "candidate_rows": which})
        assert record.summary is not None
        assert record.summary["candidate_rows"] == which
        rows = [r for r in _rows(store, record.id) if r["label_next_rank"] is not None]
        assert len(rows) == 15
        assert {r["dataset"] for r in rows} == {wanted}


def test_no_candidate_left_is_refused_before_any_job(store) -> None:
    _log_space(store)
    before = counts(store)
    for params, missing in (
        ({"candidate_rows": "unlabelled", "candidates": ["train"]}, "['train']"),
        ({"candidate_rows": "labelled", "candidates": ["prod"]}, "['prod']"),
    ):
        with pytest.raises(InvalidInput) as info:
            run_analysis(store, project="p", space="s", kind="label_next", params=params)
        assert info.value.where == "params.candidate_rows", info.value
        assert missing in str(info.value)
        assert counts(store) == before  # no analysis, no job


@pytest.mark.parametrize(
    ("kind", "params", "where"),
    [
        ("mislabels", {"review_share": 0}, "params.review_share"),
        ("mislabels", {"review_share": 1.5}, "params.review_share"),
        ("mislabels", {"review_share": "half"}, "params.review_share"),
        ("label_next", {"candidate_rows": "some"}, "params.candidate_rows"),
        ("label_next", {"candidate_rows": 3}, "params.candidate_rows"),
        ("label_next", {"weights": {"novelty": -1}}, "params.weights.novelty"),
    ],
)
def test_bad_params_are_refused_before_any_job(store, kind, params, where) -> None:
    vectors, keys, labels = clustered(60)
    log(store, vectors, keys, labels=labels)
    with pytest.raises(InvalidInput) as info:
        run_analysis(store, project="p", space="s", kind=kind, params=params)
    assert info.value.where == where, info.value
    assert info.value.code == "invalid_input"
    assert counts(store) == (0, 0, 0)
