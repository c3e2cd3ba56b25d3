"""Quality analyses end to end on a real store (SQLite and PostgreSQL): checked, queued, run
in the test's process, stored, read back; each kind on a space whose answer is known."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from analysis_data import (
    clustered,
    counts,
    fail_inserts_into,
    far_points,
    log,
    run_queued,
    stop_failing,
)
from sqlalchemy import text

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.store import Store
from chroma.jobs.context import JobCancelled, JobContext
from chroma.services import jobs as job_service
from chroma.services import neighbours as neighbour_service
from chroma.services.analyses import (
    AnalysisRecord,
    delete_analysis,
    get_analysis,
    recompute_analysis,
    run_analysis,
)
from chroma.services.analyses.compute import compute_analysis
from chroma.services.analyses.rows import analysis_rows, analysis_table
from chroma.services.projections import create_projection


def _run(store: Store, kind: str, **options: Any) -> AnalysisRecord:
    """Queue an analysis, run its job here, and return it ready."""
    record, job = run_analysis(store, project="p", space="s", kind=kind, **options)
    assert job.kind == "analysis.compute"
    ran = run_queued(store)
    assert [j.state for j in ran] == ["succeeded"], [j.error for j in ran]
    return _record(store, record.id)


def _record(store: Store, analysis_id: int) -> AnalysisRecord:
    with store.read() as session:
        return get_analysis(session, analysis_id)


def _rows(store: Store, analysis_id: int, **options: Any) -> list[dict[str, Any]]:
    return list(analysis_table(store, analysis_id, **options).to_pylist())


def _flip(labels: list[str], rows: list[int]) -> list[str]:
    given = list(labels)
    for i in rows:
        given[i] = f"c{(int(labels[i][1:]) + 1) % 4}"
    return given


FLIPPED = [3, 17, 42, 77, 101, 120, 150, 199]


def test_mislabels_finds_the_flipped_labels_and_their_evidence(store) -> None:
    vectors, keys, labels = clustered(200)
    log(store, vectors, keys, labels=_flip(labels, FLIPPED))
    record = _run(store, "mislabels")
    assert record.state == "ready"
    assert record.row_count == 200
    assert record.params == {"k": 10, "review_share": 0.05}
    assert record.reference_dataset_ids is None
    assert record.summary is not None
    assert record.summary["labelled"] == 200
    assert record.summary["suggestions"] >= len(FLIPPED)
    assert record.summary["reused_knn_graph"] is False  # no index built yet
    true_label = dict(zip(keys, labels, strict=True))

    rows = _rows(store, record.id)  # most likely mislabelled first
    assert list(rows[0]) == [
        "datapoint_id",
        "key",
        "dataset",
        "label",
        "prediction",
        "score",
        "mislabel_score",
        "suggested_label",
        "label_agreement",
        "evidence",
    ]
    top = rows[: len(FLIPPED)]
    assert {row["key"] for row in top} == {keys[i] for i in FLIPPED}
    for row in top:
        assert row["suggested_label"] == true_label[row["key"]]
        assert row["evidence"], row
        assert {true_label[key] for key in row["evidence"]} == {row["suggested_label"]}
    scores = [row["mislabel_score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(row["suggested_label"] is None for row in rows[len(FLIPPED) + 4 :])


def test_mislabels_reuse_the_space_knn_graph(store) -> None:
    vectors, keys, labels = clustered(120)
    log(store, vectors, keys, labels=_flip(labels, [5]))
    neighbour_service.queue_build(store, project="p", space="s")
    run_queued(store)
    record = _run(store, "mislabels")
    assert record.summary is not None
    assert record.summary["reused_knn_graph"] is True
    assert _rows(store, record.id)[0]["key"] == "k5"


def test_class_distance_measures_against_the_reference_classes(store) -> None:
    vectors, keys, labels = clustered(200)
    tiny = vectors[:2] + 0.01
    log(
        store,
        np.concatenate([vectors, tiny]),
        [*keys, "tiny0", "tiny1"],
        labels=[*labels, "tiny", "tiny"],
    )
    prod, prod_keys, prod_labels = clustered(40, seed=3, prefix="p")
    far, far_keys = far_points(10)
    log(
        store,
        np.concatenate([prod, far]),
        [*prod_keys, *far_keys],
        labels=[*prod_labels, *["c0"] * 10],
        dataset="prod",
    )
    record = _run(store, "class_distance", reference="train")
    assert record.summary is not None
    assert record.summary["classes"] == {"c0": 50, "c1": 50, "c2": 50, "c3": 50}
    assert record.summary["too_small"] == {"tiny": 2}
    assert record.summary["reference"] == ["train"]
    rows = _rows(store, record.id, datasets=["prod"])
    assert len(rows) == 50
    assert {row["key"] for row in rows[:10]} == set(far_keys)
    true_label = dict(zip(prod_keys, prod_labels, strict=True))
    for row in rows[10:]:
        assert row["nearest_class"] == true_label[row["key"]]
        assert row["class_distance"] == pytest.approx(row["nearest_class_distance"])


def test_outliers_flag_a_far_cluster_against_the_reference(store) -> None:
    vectors, keys, _ = clustered(200)
    log(store, vectors, keys)
    prod, prod_keys, _ = clustered(60, seed=5, prefix="p")
    far, far_keys = far_points(15)
    log(store, np.concatenate([prod, far]), [*prod_keys, *far_keys], dataset="prod")
    record = _run(store, "outliers", reference=["train"], params={"k": 5})
    assert record.params == {"k": 5, "quantile": 0.95, "method": "combined"}
    summary = record.summary
    assert summary is not None
    assert summary["ood"]["prod"]["rows"] == 75
    assert summary["ood"]["prod"]["outside"] >= 15
    assert summary["ood"]["prod"]["outside"] <= 15 + 12
    assert summary["ood"]["train"]["fraction"] == pytest.approx(0.05, abs=0.02)
    rows = {row["key"]: row for row in _rows(store, record.id)}
    assert all(rows[key]["ood"] for key in far_keys)
    assert all(rows[key]["ood_score"] > summary["threshold"] for key in far_keys)
    assert all(rows[key]["density_score"] > 1.5 for key in far_keys)
    # The reference never counts itself: its own rows have a positive k-th distance.
    assert min(rows[key]["knn_distance"] for key in keys) > 0


def test_duplicates_group_injected_copies_and_count_leakage(store) -> None:
    vectors, keys, _ = clustered(200)
    vectors[10] = vectors[2]  # a copy inside train
    log(store, vectors, keys)
    rng = np.random.default_rng(11)
    copied = [20, 41, 62, 83, 104, 125]
    copies = vectors[copied] + rng.normal(scale=1e-5, size=(len(copied), vectors.shape[1]))
    others, other_keys, _ = clustered(50, seed=9, prefix="t")
    dup_keys = [f"dup{i}" for i in copied]
    log(
        store,
        np.concatenate([copies.astype(np.float32), others]),
        [*dup_keys, *other_keys],
        dataset="test",
    )
    record = _run(store, "duplicates")
    summary = record.summary
    assert summary is not None
    assert summary["groups"] == 7
    assert summary["rows"] == 14
    assert summary["pairs"] == [{"datasets": ["test", "train"], "groups": 6, "rows": 12}] or (
        summary["pairs"] == [{"datasets": ["train", "test"], "groups": 6, "rows": 12}]
    )
    assert summary["threshold"] > 0
    assert len(summary["largest"]) == 7
    rows = _rows(store, record.id)  # groups first, then the rest (null group)
    grouped = [row for row in rows if row["duplicate_group"] is not None]
    assert len(grouped) == 14
    assert rows[:14] == grouped
    group_of = {row["key"]: row["duplicate_group"] for row in grouped}
    assert group_of["k2"] == group_of["k10"]
    for i, key in zip(copied, dup_keys, strict=True):
        assert group_of[f"k{i}"] == group_of[key]
    assert all(row["duplicate_distance"] is None for row in rows[14:])


def test_clusters_of_a_map_are_described_and_drift_between_two_datasets(store) -> None:
    vectors, keys, labels = clustered(200)
    log(store, vectors, keys, labels=labels, metadata=[{"source": "cam"}] * 200)
    # "prod": clusters c0 and c1 only, so they grow and the others shrink.
    prod, prod_keys, prod_labels = clustered(80, seed=4, prefix="p")
    keep = [i for i, label in enumerate(prod_labels) if label in ("c0", "c1")]
    log(store, prod[keep], [prod_keys[i] for i in keep], dataset="prod")
    with pytest.raises(InvalidInput) as no_map:
        run_analysis(store, project="p", space="s", kind="clusters")
    assert no_map.value.where == "params.projection"
    projection, _ = create_projection(store, project="p", space="s", algorithm="pca")
    run_queued(store)

    record = _run(store, "clusters", params={"min_cluster_size": 10})
    assert record.params["projection"] == projection.id
    assert (record.params["baseline"], record.params["current"]) == ("train", "prod")
    summary = record.summary
    assert summary is not None
    assert len(summary["clusters"]) == 4
    sizes = sorted(c["size"] for c in summary["clusters"])
    assert sizes[:2] >= [45, 45]
    assert sizes[2:] <= [70, 70]
    assert sum(sizes) + summary["noise"] == 240
    for described in summary["clusters"]:
        _top_label, share = described["labels"][0]
        assert share == pytest.approx(50 / described["size"]) or share == 1.0
    drift = summary["drift"]
    assert drift["baseline"] == "train"
    assert drift["current"] == "prod"
    assert len(drift["clusters"]) == 4
    assert drift["clusters"][0]["difference"] == pytest.approx(0.25, abs=0.01) or drift["clusters"][
        0
    ]["difference"] == pytest.approx(-0.25, abs=0.01)

    rows = _rows(store, record.id)
    assert {row["cluster"] for row in rows} - {-1} == {0, 1, 2, 3}
    by_label: dict[str, set[int]] = {}
    for row in rows:
        if row["label"] is not None and row["cluster"] != -1:
            by_label.setdefault(row["label"], set()).add(row["cluster"])
    assert all(len(found) == 1 for found in by_label.values())  # a cluster per label


def test_clusters_of_the_vectors_themselves(store) -> None:
    vectors, keys, labels = clustered(160)
    log(store, vectors, keys, labels=labels)
    record = _run(store, "clusters", params={"source": "vectors", "min_cluster_size": 10})
    assert record.params["projection"] is None
    assert record.params["baseline"] is None  # one dataset: no drift
    assert record.summary is not None
    assert record.summary["drift"] is None
    assert len(record.summary["clusters"]) == 4


def test_label_next_picks_size_rows_in_rank_order(store) -> None:
    vectors, keys, labels = clustered(200)
    rng = np.random.default_rng(2)
    scores = rng.uniform(0.5, 1.0, size=200).tolist()
    log(
        store,
        vectors,
        keys,
        labels=_flip(labels, FLIPPED),
        predictions=labels,
        scores=scores,
    )
    others, other_keys, _ = clustered(40, seed=6, prefix="u")
    log(store, others, other_keys, dataset="unlabelled")
    record = _run(
        store,
        "label_next",
        params={"size": 20, "candidates": ["unlabelled"], "weights": {"diversity": 2}},
    )
    assert record.params["weights"] == {
        "uncertainty": 1.0,
        "mislabel": 1.0,
        "novelty": 1.0,
        "outlier": 0.0,
        "diversity": 2.0,
    }
    summary = record.summary
    assert summary is not None
    assert summary["size"] == 20
    assert len(summary["picked"]) == 20
    assert summary["signals"] == ["uncertainty", "mislabel", "novelty", "outlier"]
    rows = _rows(store, record.id)  # picked first, in rank order
    assert [row["label_next_rank"] for row in rows[:20]] == list(range(1, 21))
    assert all(row["label_next_rank"] is None for row in rows[20:])
    assert {row["dataset"] for row in rows[:20]} == {"unlabelled"}
    assert [row["datapoint_id"] for row in rows[:20]] == summary["picked"]


def test_recomputing_replaces_the_result(store) -> None:
    vectors, keys, labels = clustered(120)
    log(store, vectors, keys, labels=labels)
    first = _run(store, "mislabels")
    more, more_keys, more_labels = clustered(40, seed=8, prefix="m")
    log(store, more, more_keys, labels=more_labels)
    again, job = run_analysis(store, project="p", space="s", kind="mislabels")
    assert again.id == first.id  # the same request computes the same analysis again
    assert again.state == "ready"  # the old result stays readable meanwhile
    assert job.id != first.job_id
    run_queued(store)
    record = _record(store, first.id)
    assert record.row_count == 160
    assert record.computed_at is not None
    assert first.computed_at is not None
    assert record.computed_at > first.computed_at
    assert len(_rows(store, first.id)) == 160
    assert counts(store) == (2, 1, 1)  # two jobs, one analysis, one chunk

    other, _ = run_analysis(store, project="p", space="s", kind="mislabels", params={"k": 5})
    assert other.id != first.id  # other params: another analysis
    recompute_analysis(store, first.id)
    assert len(run_queued(store)) == 2


def test_a_failed_computation_leaves_the_previous_result(store) -> None:
    vectors, keys, labels = clustered(120)
    log(store, vectors, keys, labels=_flip(labels, [9]))
    first = _run(store, "mislabels")
    before = _rows(store, first.id)
    log(store, *clustered(30, seed=8, prefix="m")[:2])
    with store.engine.begin() as conn:
        for statement in fail_inserts_into(store, "analysis_chunk"):
            conn.execute(text(statement))
    try:
        recompute_analysis(store, first.id)
        [job] = run_queued(store)
    finally:
        with store.engine.begin() as conn:
            for statement in stop_failing(store, "analysis_chunk"):
                conn.execute(text(statement))
    assert job.state == "failed"
    assert "injected failure" in (job.error or "")
    record = _record(store, first.id)
    assert record.state == "ready"
    assert record.row_count == 120
    assert record.computed_at == first.computed_at
    assert "injected failure" in (record.error or "")
    assert _rows(store, first.id) == before


def test_a_failed_first_computation_says_why(store) -> None:
    vectors, keys, labels = clustered(60)
    log(store, vectors, keys, labels=labels)
    with store.engine.begin() as conn:
        for statement in fail_inserts_into(store, "analysis_chunk"):
            conn.execute(text(statement))
    try:
        record, _ = run_analysis(store, project="p", space="s", kind="duplicates")
        [job] = run_queued(store)
    finally:
        with store.engine.begin() as conn:
            for statement in stop_failing(store, "analysis_chunk"):
                conn.execute(text(statement))
    assert job.state == "failed"
    failed = _record(store, record.id)
    assert failed.state == "failed"
    assert "injected failure" in (failed.error or "")
    assert failed.row_count == 0
    assert _rows(store, record.id) == []


def test_a_cancelled_computation_writes_nothing(store) -> None:
    vectors, keys, labels = clustered(80)
    log(store, vectors, keys, labels=labels)
    record, job = run_analysis(store, project="p", space="s", kind="mislabels")
    attempt = job_service.claim(store, job.id, "test")
    assert attempt == 1
    job_service.cancel_job(store, job.id)
    context = JobContext(store, job.id, attempt)
    with pytest.raises(JobCancelled):
        compute_analysis(store, record.id, progress=context.progress, commit=context.commit)
    assert counts(store)[2] == 0
    assert _record(store, record.id).computed_at is None


def test_deleting_an_analysis_removes_its_rows_and_cancels_its_job(store) -> None:
    vectors, keys, labels = clustered(60)
    log(store, vectors, keys, labels=labels)
    done = _run(store, "duplicates")
    queued, job = run_analysis(store, project="p", space="s", kind="mislabels")
    delete_analysis(store, done.id)
    delete_analysis(store, queued.id)
    assert counts(store) == (2, 0, 0)
    with store.read() as session:
        assert job_service.get_job(session, job.id).state == "cancelled"
        with pytest.raises(NotFound):
            get_analysis(session, done.id)


def test_rows_page_orders_with_nulls_last_and_filters_datasets(store) -> None:
    vectors, keys, labels = clustered(100)
    given = _flip(labels, [1, 2])
    for i in range(0, 100, 10):
        given[i] = None  # unlabelled: no mislabel score (NaN)
    log(store, vectors, keys, labels=given)
    log(store, *clustered(20, seed=3, prefix="t")[:2], dataset="test")
    record = _run(store, "mislabels")
    with store.read() as session:
        page = analysis_rows(session, record.id, first=200)
        assert page.total == 120
        scores = [v["mislabel_score"] for v in page.values]
        known = [s for s in scores if s is not None]
        assert scores[: len(known)] == sorted(known, reverse=True)
        assert scores[len(known) :] == [None] * (120 - len(known))  # NaN last
        ascending = analysis_rows(
            session, record.id, first=200, order_by="mislabel_score", descending=False
        )
        up = [v["mislabel_score"] for v in ascending.values]
        assert up[: len(known)] == sorted(known)
        assert up[len(known) :] == [None] * (120 - len(known))
        second = analysis_rows(session, record.id, first=10, offset=10)
        assert [r.id for r in second.records] == [r.id for r in page.records[10:20]]
        test_only = analysis_rows(session, record.id, datasets=["test"], first=100)
        assert test_only.total == 20
        assert all(r.key.startswith("t") for r in test_only.records)
        by_text = analysis_rows(session, record.id, order_by="suggested_label", first=200)
        texts = [v["suggested_label"] for v in by_text.values]
        present = [t for t in texts if t is not None]
        assert texts[: len(present)] == sorted(present, reverse=True)
        with pytest.raises(InvalidInput) as unknown:
            analysis_rows(session, record.id, order_by="nope")
        assert unknown.value.where == "orderBy"
        with pytest.raises(InvalidInput):
            analysis_rows(session, record.id, order_by="evidence")


@pytest.mark.parametrize(
    ("kind", "options", "where"),
    [
        ("isolation_forest", {}, "kind"),
        ("mislabels", {"params": {"k": 16}}, "params.k"),
        ("mislabels", {"params": {"k": "ten"}}, "params.k"),
        ("mislabels", {"params": {"neighbours": 5}}, "params.neighbours"),
        ("mislabels", {"reference": "train"}, "reference"),
        ("outliers", {"params": {"quantile": 1.5}}, "params.quantile"),
        ("outliers", {}, "reference"),  # two datasets: which one is the reference?
        ("outliers", {"reference": "nope"}, "reference"),
        ("duplicates", {"datasets": ["nope"]}, "datasets"),
        ("duplicates", {"params": {"threshold": -1}}, "params.threshold"),
        ("label_next", {"params": {"weights": {"luck": 1}}}, "params.weights"),
        ("label_next", {"params": {"weights": {"outlier": -1}}}, "params.weights.outlier"),
        ("label_next", {"params": {"candidates": ["nope"]}}, "params.candidates"),
        ("clusters", {"params": {"source": "vectors", "baseline": "train"}}, "params.current"),
        ("clusters", {"params": {"projection": 99}}, "params.projection"),
    ],
)
def test_bad_requests_are_refused_before_any_job(store, kind, options, where) -> None:
    vectors, keys, labels = clustered(60)
    log(store, vectors, keys, labels=labels)
    log(store, *clustered(20, seed=2, prefix="t")[:2], dataset="test")
    with pytest.raises((InvalidInput, NotFound)) as info:
        run_analysis(store, project="p", space="s", kind=kind, **options)
    assert info.value.where == where, info.value
    assert counts(store) == (0, 0, 0)


def test_missing_labels_and_too_few_points_are_refused(store) -> None:
    vectors, keys, _ = clustered(8)
    log(store, vectors, keys)
    with pytest.raises(InvalidInput) as few:
        run_analysis(store, project="p", space="s", kind="duplicates")
    assert few.value.where == "datasets"
    more, more_keys, _ = clustered(40, seed=1, prefix="m")
    log(store, more, more_keys)
    with pytest.raises(InvalidInput) as no_labels:
        run_analysis(store, project="p", space="s", kind="mislabels")
    assert no_labels.value.where == "labels"
    assert "has a label" in no_labels.value.message
    with pytest.raises(InvalidInput) as no_classes:
        run_analysis(store, project="p", space="s", kind="class_distance")
    assert no_classes.value.where == "labels"
    with pytest.raises(InvalidInput) as small_reference:
        run_analysis(store, project="p", space="s", kind="outliers", params={"k": 48})
    assert small_reference.value.where == "reference"
    log(store, *clustered(5, seed=2, prefix="x")[:2], dataset="few")
    with pytest.raises(InvalidInput) as two:
        run_analysis(store, project="p", space="s", kind="outliers")
    assert two.value.where == "reference"
    assert "['few', 'train']" in two.value.message
    assert counts(store) == (0, 0, 0)
