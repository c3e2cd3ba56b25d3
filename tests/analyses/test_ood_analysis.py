"""The outliers analysis' OOD score and calibrated flag, and the clusters' coverage-aware
descriptions and signed drift, as jobs on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from analysis_data import CENTRES, DIM, clustered, counts, far_points, log, run_queued

from chroma.core.errors import InvalidInput
from chroma.db.analyses import clear_results, write_results
from chroma.db.models import Analysis, utcnow
from chroma.db.store import Store
from chroma.services.analyses import AnalysisRecord, get_analysis, run_analysis
from chroma.services.analyses.rows import analysis_table


def _run(store: Store, kind: str, **options: Any) -> AnalysisRecord:
    record, _ = run_analysis(store, project="p", space="s", kind=kind, **options)
    ran = run_queued(store)
    assert [j.state for j in ran] == ["succeeded"], [j.error for j in ran]
    with store.read() as session:
        return get_analysis(session, record.id)


def _new_group(n: int, *, seed: int = 9) -> tuple[np.ndarray, list[str]]:
    """A tight group inside one of the reference's clusters: no farther from the reference
    than its own rows are, but crowded with rows the reference lacks."""
    rng = np.random.default_rng(seed)
    centre = CENTRES[0] + 0.6 * np.eye(DIM)[0]
    group = (centre + 0.05 * rng.normal(size=(n, DIM))).astype(np.float32)
    return group, [f"new{i}" for i in range(n)]


def test_the_combined_score_ranks_new_rows_first_and_the_flag_is_calibrated(store) -> None:
    vectors, keys, labels = clustered(400)
    log(store, vectors, keys, labels=labels)
    seen, seen_keys, _ = clustered(200, seed=5, prefix="p")
    new, new_keys = _new_group(40)
    far, far_keys = far_points(3)
    everything = [*seen_keys, *new_keys, *far_keys]
    log(store, np.concatenate([seen, new, far]), everything, dataset="prod")

    record = _run(store, "outliers", reference=["train"])
    assert record.params == {"k": 10, "quantile": 0.95, "method": "combined"}
    summary = record.summary
    assert summary is not None
    assert summary["method"] == "combined"
    assert summary["parts"] == ["distance", "density_ratio"]
    assert summary["ood"]["train"]["fraction"] == pytest.approx(0.05, abs=0.01)
    rows = analysis_table(store, record.id).to_pylist()  # the kind's order: ood_score first
    assert list(rows[0])[-4:] == ["ood_score", "knn_distance", "density_score", "ood"]
    assert {row["key"] for row in rows[:43]} == {*new_keys, *far_keys}
    assert [row["ood_score"] for row in rows] == sorted(
        (r["ood_score"] for r in rows), reverse=True
    )
    by_key = {row["key"]: row for row in rows}
    assert all(by_key[key]["ood"] for key in [*new_keys, *far_keys])
    assert sum(by_key[key]["ood"] for key in seen_keys) <= 0.05 * 200 + 8

    # The distance alone (method="knn") does not see the crowded group.
    knn = _run(store, "outliers", reference=["train"], params={"method": "knn"})
    assert knn.summary is not None
    assert knn.summary["parts"] == ["knn_distance"]
    knn_rows = {row["key"]: row for row in analysis_table(store, knn.id).to_pylist()}
    assert sum(knn_rows[key]["ood"] for key in new_keys) < 10


def test_an_older_result_without_ood_score_still_reads_in_order(store) -> None:
    vectors, keys, _ = clustered(60)
    log(store, vectors, keys)
    far, far_keys = far_points(2)
    log(store, far, far_keys, dataset="prod")
    record = _run(store, "outliers", reference=["train"], params={"k": 5})
    table = analysis_table(store, record.id)
    ids = np.asarray(table.column("datapoint_id").to_pylist(), dtype=np.int64)
    older = pa.table(
        {name: table.column(name) for name in ("knn_distance", "density_score", "ood")}
    )
    with store.write() as session:  # as computed before the kind had ood_score
        clear_results(session, record.id)
        write_results(session, record.id, ids, older)
        session.get(Analysis, record.id).computed_at = utcnow()
    rows = analysis_table(store, record.id).to_pylist()
    assert "ood_score" not in rows[0]
    assert {row["key"] for row in rows[:2]} == set(far_keys)  # by knn_distance instead


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"method": "lof"}, "params.method"),
        ({"method": 3}, "params.method"),
        ({"quantile": 1.0}, "params.quantile"),
        ({"fpr": 0.05}, "params.fpr"),
    ],
)
def test_bad_params_are_refused_naming_them(store, params, where) -> None:
    vectors, keys, _ = clustered(60)
    log(store, vectors, keys)
    log(store, *clustered(20, seed=2, prefix="t")[:2], dataset="prod")
    with pytest.raises(InvalidInput) as info:
        run_analysis(
            store, project="p", space="s", kind="outliers", reference="train", params=params
        )
    assert info.value.where == where
    assert counts(store) == (0, 0, 0)


def test_clusters_say_what_they_rest_on_and_drift_is_signed(store) -> None:
    vectors, keys, labels = clustered(200)
    log(store, vectors, keys, labels=labels)
    # prod: c0 and c1 rows, no labels, and a new group of 60 far from everything.
    prod, prod_keys, prod_labels = clustered(80, seed=4, prefix="p")
    keep = [i for i, label in enumerate(prod_labels) if label in ("c0", "c1")]
    new, new_keys = far_points(60)
    log(
        store,
        np.concatenate([prod[keep], new]),
        [*(prod_keys[i] for i in keep), *new_keys],
        dataset="prod",
        texts=[None] * len(keep) + ["a mail server relay"] * 60,
    )
    # Two train rows labelled into the new group: they must not name it.
    stray, stray_keys = far_points(2, seed=3, prefix="stray")
    log(store, stray, stray_keys, labels=["c2", "c2"])

    record = _run(store, "clusters", params={"source": "vectors", "min_cluster_size": 10})
    summary = record.summary
    assert summary is not None
    assert (record.params["baseline"], record.params["current"]) == ("train", "prod")
    new_cluster = next(c for c in summary["clusters"] if c["size"] >= 60 and c["labelled"] <= 2)
    assert new_cluster["labels_supported"] is False
    assert new_cluster["description"].startswith("mostly unlabelled (2 of 62 labelled) · prod 97%")
    assert "mail" in new_cluster["description"]
    named = [c for c in summary["clusters"] if c is not new_cluster]
    assert all(c["labels_supported"] and c["coverage"] >= 0.5 for c in named)

    drift = summary["drift"]["clusters"]
    differences = [d["difference"] for d in drift]
    grown = [d for d in differences if d > 0]
    assert differences[: len(grown)] == sorted(grown, reverse=True)
    assert all(d <= 0 for d in differences[len(grown) :])
    assert drift[0]["cluster"] == new_cluster["cluster"]
    assert drift[0]["direction"] == "grew"  # two train strays: not quite new
    assert {d["direction"] for d in drift[len(grown) :]} <= {"shrank", "vanished", "steady"}
