"""Comparisons of two spaces (ADR 0015) on a real store (SQLite and PostgreSQL): checked,
queued, run in the test's process, stored per shared datapoint, summarised, served as a
points column of a map of the first space.

Space ``s`` holds 300 points in 4 well separated clusters (labels ``c0``..``c3``); space
``b`` holds the same datapoints with cluster ``c0``'s vectors shuffled among its rows (their
neighbourhoods change, the other clusters' do not) and one ``c1`` point moved into ``c2``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from analysis_data import CENTRES, DIM, clustered, counts, far_points, log, run_queued

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.store import Store
from chroma.services.analyses import (
    delete_analysis,
    get_analysis,
    recompute_analysis,
    run_analysis,
)
from chroma.services.analyses.comparison_requests import compare_spaces
from chroma.services.analyses.rows import analysis_table
from chroma.services.points import points_table
from chroma.services.projections import create_projection

N = 300
MOVED = 1  # a c1 point that space b puts among c2


def _spaces(store: Store) -> tuple[list[str], list[str]]:
    vectors, keys, labels = clustered(N)
    log(store, vectors, keys, labels=labels)
    other = vectors.copy()
    c0 = np.flatnonzero(np.arange(N) % 4 == 0)
    other[c0] = vectors[np.random.default_rng(3).permutation(c0)]
    other[MOVED] = CENTRES[2] + 0.05 * np.random.default_rng(4).normal(size=DIM)
    log(store, other, keys, labels=labels, space="b")
    # Points of one space only are left out (and far: they would change nothing anyway).
    log(store, *far_points(12, prefix="only-a"), space="s")
    log(store, *far_points(7, prefix="only-b"), space="b")
    return keys, labels


def _compare(store: Store, **options: Any) -> int:
    record, job = compare_spaces(store, project="p", space_a="s", space_b="b", **options)
    assert job.kind == "analysis.compute"
    assert record.kind == "compare"
    ran = run_queued(store)
    assert [j.state for j in ran] == ["succeeded"], [j.error for j in ran]
    return record.id


def test_a_shuffled_cluster_moved_and_the_others_did_not(store: Store) -> None:
    keys, _ = _spaces(store)
    comparison = _compare(store, k=10)
    rows = analysis_table(store, comparison).to_pylist()
    assert len(rows) == N  # shared datapoints only
    by_key = {r["key"]: r for r in rows}
    c0 = [by_key[keys[i]] for i in range(N) if i % 4 == 0]
    steady = [by_key[keys[i]] for i in range(N) if i % 4 == 3]
    assert np.mean([r["neighbour_overlap"] for r in c0]) < 0.4
    assert min(r["neighbour_overlap"] for r in steady) == pytest.approx(1.0)
    for row in rows:
        assert row["moved"] == pytest.approx(1 - row["neighbour_overlap"])
    assert all(r["gained_labels"] is None and r["lost_labels"] is None for r in steady)
    assert all(r["gained_labels"].startswith("c0") for r in c0 if r["moved"] > 0)

    moved = by_key[keys[MOVED]]
    assert moved["neighbour_overlap"] == 0.0
    assert moved["gained_labels"] == "c2 (10)"
    assert moved["lost_labels"] == "c1 (10)"
    # Rows come ranked: moved most first, rank 1..n.
    assert [r["moved_rank"] for r in rows] == list(range(1, N + 1))
    assert rows[0]["moved"] == max(r["moved"] for r in rows)

    with store.read() as session:
        record = get_analysis(session, comparison)
    summary = record.summary
    assert summary is not None
    assert record.row_count == N
    assert (summary["space_a"], summary["space_b"], summary["k"]) == ("s", "b", 10)
    assert summary["shared"] == N
    assert summary["only_in_a"] == 12
    assert summary["labels"]["c0"]["mean_overlap"] < 0.4
    assert summary["labels"]["c3"]["mean_overlap"] == pytest.approx(1.0)
    assert summary["labels"]["c0"]["count"] == N // 4
    assert summary["clusters"] is None  # no clusters analysis of space s
    assert len(summary["moved_most"]) == 100
    assert summary["moved_most"][0]["moved"] == rows[0]["moved"]
    assert record.columns == [
        "neighbour_overlap",
        "moved",
        "gained_labels",
        "lost_labels",
        "moved_rank",
    ]


def test_the_comparison_colours_a_map_of_the_first_space(store: Store) -> None:
    keys, _ = _spaces(store)
    projection, _ = create_projection(store, project="p", space="s", algorithm="pca")
    run_queued(store)
    comparison = _compare(store)
    column = f"analysis.{comparison}.neighbour_overlap"
    table = points_table(store, projection.id, ["key", column, f"analysis.{comparison}.moved"])
    assert table.num_rows == N + 12
    values = dict(zip(table["key"].to_pylist(), table[column].to_pylist(), strict=True))
    assert all(values[f"only-a{i}"] is None for i in range(12))  # not shared: no value
    assert values[keys[3]] == pytest.approx(1.0)
    assert values[keys[MOVED]] == 0.0


def test_clusters_summary_recompute_and_delete(store: Store) -> None:
    _spaces(store)
    comparison = _compare(store, k=5)
    # A clusters analysis of space s: the next computation summarises per cluster too.
    run_analysis(store, project="p", space="s", kind="clusters", params={"source": "vectors"})
    run_queued(store)
    recompute_analysis(store, comparison)
    run_queued(store)
    with store.read() as session:
        summary = get_analysis(session, comparison).summary
    assert summary is not None
    assert summary["k"] == 5
    clusters = summary["clusters"]
    assert clusters is not None
    means = sorted(v["mean_overlap"] for v in clusters["by_cluster"].values() if v["count"] > 20)
    assert means[0] < 0.4  # the shuffled cluster
    assert means[-1] > 0.9
    # The same request again computes the same comparison again (no second row).
    again, _ = compare_spaces(store, project="p", space_a="s", space_b="b", k=5)
    assert again.id == comparison
    run_queued(store)
    delete_analysis(store, comparison)
    assert counts(store)[2] == 1  # only the clusters analysis's chunk is left


@pytest.mark.parametrize(
    ("options", "where", "error"),
    [
        ({"space_b": "nope"}, "spaceB", NotFound),
        ({"space_a": "nope"}, "spaceA", NotFound),
        ({"space_b": "s"}, "spaceB", InvalidInput),  # the same space twice
        ({"space_b": "lonely"}, "spaceB", InvalidInput),  # no shared datapoints
        ({"project_b": "q"}, "projectB", InvalidInput),  # spaces of different projects
        ({"project_b": "nope"}, "projectB", NotFound),
        ({"k": 0}, "k", InvalidInput),
        ({"k": 101}, "k", InvalidInput),
        ({"k": 40}, "k", InvalidInput),  # 40 shared datapoints: at most k=39
        ({"k": "ten"}, "k", InvalidInput),
    ],
)
def test_bad_comparisons_are_refused_before_any_job(
    store: Store, options: dict[str, Any], where: str, error: type[Exception]
) -> None:
    vectors, keys, labels = clustered(60)
    log(store, vectors, keys, labels=labels)
    log(store, vectors[:40], keys[:40], space="b")
    log(store, *far_points(20, prefix="other"), space="lonely", dataset="elsewhere")
    log(store, vectors, keys, project="q", space="b")
    request: dict[str, Any] = {"project": "p", "space_a": "s", "space_b": "b", **options}
    with pytest.raises(error) as info:
        compare_spaces(store, **request)
    assert info.value.where == where, info.value  # type: ignore[attr-defined]
    assert str(info.value)
    assert counts(store) == (0, 0, 0)
