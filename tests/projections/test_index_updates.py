"""A space's neighbour index after new vectors arrive: appended into a small delta beside
the main file (never a rewrite of it), queried as one index, merged once the delta
outgrows its share, and cleaned up with the space (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from space_data import clustered, log, run_queued

from chroma.db import indexes
from chroma.db.models import NeighbourIndex
from chroma.services import neighbours as neighbour_service
from chroma.services.catalog import delete_space
from chroma.services.jobs import JobKind, create_job


def _row(store) -> NeighbourIndex:
    with store.read() as session:
        row = session.query(NeighbourIndex).one()
        session.expunge(row)
        return row


def _update(store, space_id: int) -> dict:
    with store.write() as session:
        create_job(session, JobKind.NEIGHBOURS_UPDATE, project_id=None, space_id=space_id)
    [job] = run_queued(store)
    assert job.state == "succeeded", job.error
    return job.result


def _files(store) -> set[str]:
    return {path.name for path in indexes.index_dir(store).iterdir()}


def _build(store, n: int):
    result = log(store, *clustered(n))
    neighbour_service.queue_build(store, project="p", space="s")
    assert [j.state for j in run_queued(store)] == ["succeeded"]
    return result


def _assert_graph_covers(store, space_id: int, n: int) -> None:
    graph = neighbour_service.load_graph(store, space_id)
    assert graph is not None
    assert len(graph.ids) == len(set(graph.ids.tolist())) == n
    assert not (graph.neighbour_ids == graph.ids[:, None]).any()
    assert (graph.neighbour_ids >= 0).all()


def _assert_nearest_agrees_with_exact(store, monkeypatch, vector) -> None:
    exact = neighbour_service.nearest(store, project="p", space="s", k=8, vector=vector)
    with monkeypatch.context() as patch:
        patch.setattr(neighbour_service, "EXACT_LIMIT", 10)  # force the index path
        approx = neighbour_service.nearest(store, project="p", space="s", k=8, vector=vector)
    assert [n.record.key for n in approx] == [n.record.key for n in exact]


def test_new_points_go_into_a_delta_and_the_main_file_is_not_rewritten(store, monkeypatch) -> None:
    result = _build(store, 1000)
    built = _row(store)
    main_path = indexes.index_dir(store) / built.index_file
    main_bytes, main_mtime = main_path.read_bytes(), main_path.stat().st_mtime_ns

    more, keys, labels = clustered(40, seed=2, offset=1000)
    log(store, more, keys, labels)
    assert _update(store, result.space_id) == {"added": 40, "indexed": 1040}
    first = _row(store)
    assert first.index_file == built.index_file
    assert main_path.read_bytes() == main_bytes
    assert main_path.stat().st_mtime_ns == main_mtime
    assert first.delta_file is not None
    assert first.delta_count == 40
    assert first.indexed_count == first.graph_count == 1040
    assert _files(store) == {first.index_file, first.delta_file, first.graph_file}
    _assert_graph_covers(store, result.space_id, 1040)

    # A point only the delta holds is found, by vector and by its datapoint.
    _assert_nearest_agrees_with_exact(store, monkeypatch, more[0])
    monkeypatch.setattr(neighbour_service, "EXACT_LIMIT", 10)
    [hit] = neighbour_service.nearest(store, project="p", space="s", k=1, vector=more[0])
    assert hit.record.key == "k1000"
    assert hit.distance < 1e-5
    by_key = neighbour_service.nearest(store, project="p", space="s", k=3, key=("train", "k1000"))
    assert "k1000" not in {n.record.key for n in by_key}
    assert len(by_key) == 3

    # A second append replaces the delta (the old one goes), the main file stays.
    log(store, *clustered(30, seed=3, offset=1040))
    assert _update(store, result.space_id) == {"added": 30, "indexed": 1070}
    second = _row(store)
    assert second.index_file == built.index_file
    assert second.delta_count == 70
    assert _files(store) == {second.index_file, second.delta_file, second.graph_file}
    _assert_graph_covers(store, result.space_id, 1070)


def test_a_delta_that_outgrows_its_share_is_merged_into_the_main_file(store, monkeypatch) -> None:
    result = _build(store, 1000)
    built = _row(store)
    log(store, *clustered(60, seed=2, offset=1000))
    _update(store, result.space_id)
    more, keys, labels = clustered(60, seed=3, offset=1060)
    log(store, more, keys, labels)  # the delta now holds 120 of 1,000: over its 10%
    assert _update(store, result.space_id) == {"added": 60, "indexed": 1120, "merged": 120}
    merged = _row(store)
    assert merged.index_file != built.index_file
    assert merged.delta_file is None
    assert merged.delta_count == 0
    assert merged.indexed_count == 1120
    assert _files(store) == {merged.index_file, merged.graph_file}
    _assert_graph_covers(store, result.space_id, 1120)
    _assert_nearest_agrees_with_exact(store, monkeypatch, more[-1])


def test_nothing_new_changes_nothing_and_a_large_growth_rebuilds(store) -> None:
    result = _build(store, 200)
    built = _row(store)
    assert _update(store, result.space_id) == {"added": 0, "indexed": 200}
    assert _row(store).graph_file == built.graph_file
    log(store, *clustered(150, seed=2, offset=200))  # 75% more: a fresh build
    assert _update(store, result.space_id) == {"indexed": 350, "graph_k": 15}
    rebuilt = _row(store)
    assert rebuilt.delta_file is None
    assert rebuilt.index_file != built.index_file


def test_the_delta_is_kept_by_the_sweep_and_removed_with_its_space(store) -> None:
    result = _build(store, 1000)
    log(store, *clustered(20, seed=2, offset=1000))
    _update(store, result.space_id)
    row = _row(store)
    assert indexes.sweep_orphans(store, grace_seconds=0) == 0
    assert row.delta_file in _files(store)
    delete_space(store, "p", "s")
    assert _files(store) == set()


@pytest.mark.parametrize("stale", ["main", "none"])
def test_an_update_racing_a_rebuild_changes_nothing(store, monkeypatch, stale) -> None:
    """An update computed against a main file that a rebuild has since replaced (or a space
    whose index is gone) must not pair its delta with the new main file."""
    result = _build(store, 1000)
    log(store, *clustered(20, seed=2, offset=1000))
    load_graph = indexes.load_graph

    def load_then_replace(store_, name):
        graph = load_graph(store_, name)
        with store.write() as session:  # what a rebuild (or a delete) commits meanwhile
            row = session.query(NeighbourIndex).one()
            if stale == "main":
                row.index_file = "space-1-rebuilt.hnsw"
            else:
                session.delete(row)
        return graph

    monkeypatch.setattr(indexes, "load_graph", load_then_replace)
    assert _update(store, result.space_id)["superseded"] == 1
    with store.read() as session:
        rows = session.query(NeighbourIndex).all()
    if stale == "main":
        [row] = rows
        assert (row.index_file, row.delta_file) == ("space-1-rebuilt.hnsw", None)
    else:
        assert rows == []
