"""The neighbour index of a space: build, update on ingest, and answer nearest-neighbour
queries (approximate from the index, exact for small sets or narrow filters).

The index also yields the space's kNN graph (``GRAPH_K`` neighbours of every point),
computed once and reused by UMAP and, later, by the quality scores.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.compute.neighbours import (
    EXACT_LIMIT,
    AnnIndex,
    LayeredIndex,
    Metric,
    exact_search,
    graph_ef,
    knn_graph,
)
from chroma.compute.progress import Progress
from chroma.core.errors import InvalidInput, NotFound
from chroma.db import indexes
from chroma.db.indexes import KnnGraph
from chroma.db.models import NeighbourIndex, Space, utcnow
from chroma.db.store import Store
from chroma.db.vectors import (
    SpaceVectors,
    read_space,
    repeatable_read,
    snapshot_space,
    space_size,
)
from chroma.services import catalog, index_files
from chroma.services.datapoints import (
    DatapointFilter,
    DatapointRecord,
    datapoint_id_by_key,
    matching_ids,
    records_with_datasets,
)
from chroma.services.jobs import Commit, JobKind, JobRecord, create_job

GRAPH_K = 15
"""Neighbours per point in the stored graph: UMAP's default n_neighbors (15) minus self."""
MAX_K = 1000
REBUILD_GROWTH = 0.5  # an update that grows the index by half rebuilds it (a fresher graph)
MERGE_SHARE = 0.1
"""A delta holding this share of the main index is merged into it: below, appending costs a
rewrite of the delta only; a larger delta would make every update rewrite a large file and
every query search a second large graph."""

"""The job's result transaction: writes the result and marks the job done (JobContext.commit)."""


@dataclass(frozen=True)
class Neighbour:
    record: DatapointRecord
    distance: float
    dataset: catalog.DatasetRecord


def space_by_id(session: Session, space_id: int) -> Space:
    space = session.get(Space, space_id)
    if space is None:
        raise NotFound(f"no space with id {space_id}", where="space")
    return space


def index_row(session: Session, space_id: int) -> NeighbourIndex | None:
    return session.scalar(select(NeighbourIndex).where(NeighbourIndex.space_id == space_id))


def read_all(store: Store, space: Space, dataset_ids: list[int] | None = None) -> SpaceVectors:
    with store.read() as session:
        return read_space(
            store, session, space_id=space.id, dimension=space.dimension, dataset_ids=dataset_ids
        )


def _graph_of(
    data: SpaceVectors, index: AnnIndex, metric: Metric, progress: Progress | None
) -> KnnGraph:
    k = min(GRAPH_K, max(len(data.datapoint_ids) - 1, 1))
    rows, distances = knn_graph(
        data.vectors,
        k,
        metric=metric,
        index=index,
        row_labels=data.datapoint_ids,
        progress=progress,
    )
    neighbour_ids = np.where(rows >= 0, data.datapoint_ids[rows.clip(0)], -1)
    return KnnGraph(ids=data.datapoint_ids.copy(), neighbour_ids=neighbour_ids, distances=distances)


def build_index(
    store: Store, space_id: int, *, progress: Progress, commit: Commit
) -> dict[str, int]:
    """Build the space's index and kNN graph from all its vectors, replacing the old ones."""
    with store.read() as session:
        space = space_by_id(session, space_id)
    metric: Metric = space.metric  # type: ignore[assignment]
    progress(0.0, "reading vectors")
    data = read_all(store, space)
    if len(data.datapoint_ids) == 0:
        raise InvalidInput(f"space {space.name!r} holds no vectors yet", where="space")
    index = AnnIndex.build(
        data.vectors,
        data.datapoint_ids,
        metric=metric,
        progress=lambda f, m: progress(0.05 + 0.55 * f, m),
    )
    graph = _graph_of(data, index, metric, lambda f, m: progress(0.6 + 0.35 * f, m))
    progress(0.95, "saving the index")
    result = {"indexed": len(index), "graph_k": graph.k}
    _save(store, space, graph, commit, result, main=index, delta=None)
    return result


def _save(
    store: Store,
    space: Space,
    graph: KnnGraph,
    commit: Commit,
    result: dict[str, Any],
    *,
    main: AnnIndex | None,
    delta: AnnIndex | None,
    on_main: str | None = None,
) -> None:
    """Write the graph and the index layers that changed; point the space's row at them.

    ``main=None`` keeps the row's main file, which must still be ``on_main`` (a rebuild that
    committed meanwhile wins: this result then changes nothing). ``delta=None`` means the
    main file holds every point. Files stay claimed until the commit has ended, so no
    start-up sweep takes them.
    """
    assert main is not None or delta is not None, "an index save writes at least one layer"
    with ExitStack() as claims:
        written = [
            claims.enter_context(index_files.save_index(store, space.id, layer)).name
            if layer is not None
            else None
            for layer in (main, delta)
        ] + [claims.enter_context(indexes.save_graph(store, space.id, graph)).name]
        main_file, delta_file, graph_file = written
        try:
            with commit(result) as session:
                row = index_row(session, space.id)
                if main is None and (row is None or row.index_file != on_main):
                    indexes.discard(store, *written)
                    result["superseded"] = 1
                    return
                if row is None:
                    row = NeighbourIndex(space_id=space.id, metric=space.metric)
                    session.add(row)
                replaced = [row.delta_file, row.graph_file]
                if main_file is not None:
                    replaced.append(row.index_file)
                    row.index_file = main_file
                indexes.remove_after_commit(store, session, *replaced)
                row.delta_file, row.graph_file = delta_file, graph_file
                row.metric, row.graph_k = space.metric, graph.k
                row.indexed_count = row.graph_count = len(graph.ids)
                row.delta_count = len(delta) if delta is not None else 0
                row.updated_at = utcnow()
        except BaseException:
            indexes.discard(store, *written)
            raise
    for name, layer in ((main_file, main), (delta_file, delta)):
        if name is not None and layer is not None:
            index_files.remember(name, layer)


def update_index(
    store: Store, space_id: int, *, progress: Progress, commit: Commit
) -> dict[str, int]:
    """Add the vectors logged since the index was built (or build it if there is none).

    New points go into the small delta index beside the main one (a rewrite of the delta,
    never of the main file) and get their own graph rows; the delta is merged into the main
    file once it holds :data:`MERGE_SHARE` of it, and a growth of :data:`REBUILD_GROWTH`
    rebuilds everything (which also refreshes the older points' neighbour lists).
    """
    with store.read() as session:
        space = space_by_id(session, space_id)
        row = index_row(session, space_id)
    if row is None or row.index_file is None or row.graph_file is None:
        return build_index(store, space_id, progress=progress, commit=commit)
    progress(0.0, "finding the vectors logged since the index was built")
    graph = indexes.load_graph(store, row.graph_file)
    new = _unindexed(store, space, graph.ids)
    added = len(new.datapoint_ids)
    if added == 0:
        result = {"added": 0, "indexed": row.indexed_count}
        with commit(result):
            return result
    if added >= REBUILD_GROWTH * max(len(graph.ids), 1):
        return build_index(store, space_id, progress=progress, commit=commit)
    metric: Metric = space.metric  # type: ignore[assignment]
    delta = (
        index_files.take_index(store, row.delta_file, metric=metric, dim=space.dimension)
        if row.delta_file
        else AnnIndex(space.dimension, metric, capacity=added)
    )
    delta.add(new.vectors, new.datapoint_ids, progress=lambda f, m: progress(0.1 + 0.4 * f, m))
    # Only queried unless merged: the copy this job process kept from its last write of
    # the main file is as good as reading the file again (seconds at a million points).
    main = index_files.load_index(store, row.index_file, metric=metric, dim=space.dimension)
    progress(0.6, f"finding the neighbours of {added:,} new points")
    layered = LayeredIndex(main, delta)
    labels, distances = layered.query(new.vectors, graph.k + 1, ef=graph_ef(graph.k))
    keep_rows = _without_self(labels, new.datapoint_ids, graph.k)
    merged = KnnGraph(
        ids=np.concatenate([graph.ids, new.datapoint_ids]),
        neighbour_ids=np.concatenate(
            [graph.neighbour_ids, np.take_along_axis(labels, keep_rows, 1)]
        ),
        distances=np.concatenate([graph.distances, np.take_along_axis(distances, keep_rows, 1)]),
    )
    result = {"added": added, "indexed": len(merged.ids)}
    if len(delta) < MERGE_SHARE * len(main):
        progress(0.9, "saving the delta index")
        _save(store, space, merged, commit, result, main=None, delta=delta, on_main=row.index_file)
        return result
    progress(0.8, f"merging {len(delta):,} recent points into the main index")
    main = index_files.take_index(store, row.index_file, metric=metric, dim=space.dimension)
    delta_labels = delta.labels()
    main.add(np.asarray(delta.hnsw.get_items(delta_labels), dtype=np.float32), delta_labels)
    progress(0.9, "saving the index")
    result["merged"] = len(delta_labels)
    _save(store, space, merged, commit, result, main=main, delta=None)
    return result


def _unindexed(store: Store, space: Space, indexed_ids: npt.NDArray[np.int64]) -> SpaceVectors:
    """The space's live vectors whose datapoints are not in ``indexed_ids``, decoding only
    the chunks that hold some (a few new chunks out of a million-point space)."""
    known = np.sort(indexed_ids)
    ids, datasets, vectors = [], [], []
    with store.read() as session:
        repeatable_read(session)
        for part in snapshot_space(store, session, space_id=space.id, dimension=space.dimension):
            pos = np.searchsorted(known, part.datapoint_ids).clip(0, max(len(known) - 1, 0))
            fresh = known[pos] != part.datapoint_ids if len(known) else np.ones(len(pos), bool)
            if fresh.any():
                ids.append(part.datapoint_ids[fresh])
                datasets.append(np.full(int(fresh.sum()), part.dataset_id, dtype=np.int64))
                vectors.append(part.vectors()[fresh])
    if not ids:
        return SpaceVectors(
            datapoint_ids=np.empty(0, np.int64),
            dataset_ids=np.empty(0, np.int64),
            vectors=np.empty((0, space.dimension), np.float32),
        )
    return SpaceVectors(
        datapoint_ids=np.concatenate(ids),
        dataset_ids=np.concatenate(datasets),
        vectors=np.concatenate(vectors),
    )


def _without_self(
    labels: npt.NDArray[np.int64], own: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.int64]:
    """Column positions of each row's first ``k`` labels that are not the row's own id."""
    is_self = labels == own[:, None]
    order = np.argsort(is_self, axis=1, kind="stable")
    return order[:, :k]


def load_graph(store: Store, space_id: int) -> KnnGraph | None:
    with store.read() as session:
        row = index_row(session, space_id)
    if row is None or row.graph_file is None:
        return None
    return indexes.load_graph(store, row.graph_file)


def nearest(
    store: Store,
    *,
    project: str,
    space: str,
    k: int = 10,
    datapoint_id: int | None = None,
    key: tuple[str, str] | None = None,
    vector: npt.NDArray[np.float32] | None = None,
    where: DatapointFilter | None = None,
) -> list[Neighbour]:
    """The ``k`` datapoints of ``where`` nearest to a datapoint (by id, or by ``key``: its
    dataset and key) or a vector, nearest first.

    One read session answers it all (names, the index row, the filter, the records and
    their datasets in one statement); the index stays loaded between calls
    (``index_files.load_index``): a query costs little more than the index lookup.
    """
    if not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be between 1 and {MAX_K}", where="k")
    if sum(given is not None for given in (datapoint_id, key, vector)) != 1:
        raise InvalidInput("give exactly one of a datapoint, a key or a vector", where="datapoint")
    where = where or DatapointFilter()
    with store.read() as session:
        proj = catalog.get_project(session, project)
        spc = catalog.get_space(session, proj, space)
        if key is not None:
            datapoint_id = datapoint_id_by_key(session, project, *key)
        row = index_row(session, spc.id)
        allowed = (
            np.fromiter(session.scalars(matching_ids(session, proj, where)), dtype=np.int64)
            if where != DatapointFilter()
            else None
        )
        metric: Metric = spc.metric  # type: ignore[assignment]
        index = (
            index_files.load_space_index(store, row, metric=metric, dim=spc.dimension)
            if row is not None
            else None
        )
        query = _query_vector(store, spc, index, datapoint_id, vector)
        ids, distances = _search(store, spc, index, query, k, allowed, exclude=datapoint_id)
        found = records_with_datasets(session, ids.tolist())
    return [
        Neighbour(record=found[i][0], distance=float(d), dataset=found[i][1])
        for i, d in zip(ids.tolist(), distances, strict=True)
        if i in found  # a datapoint deleted since the index was built
    ]


def _query_vector(
    store: Store,
    space: Space,
    index: LayeredIndex | None,
    datapoint_id: int | None,
    vector: npt.NDArray[np.float32] | None,
) -> npt.NDArray[np.float32]:
    if vector is not None:
        vector = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if vector.shape[1] != space.dimension or not np.isfinite(vector).all():
            raise InvalidInput(
                f"the vector must hold {space.dimension} finite numbers", where="vector"
            )
        return vector
    if index is not None and datapoint_id is not None:
        found = index.vector_of(datapoint_id)
        if found is not None:
            return found
        # Not in the index yet: logged since it was last updated.
    data = read_all(store, space)
    hit = np.flatnonzero(data.datapoint_ids == datapoint_id)
    if len(hit) == 0:
        raise NotFound(
            f"datapoint {datapoint_id} has no vector in space {space.name!r}", where="datapoint"
        )
    return data.vectors[hit[:1]]


def _search(
    store: Store,
    space: Space,
    index: LayeredIndex | None,
    query: npt.NDArray[np.float32],
    k: int,
    allowed: npt.NDArray[np.int64] | None,
    *,
    exclude: int | None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    want = k + (exclude is not None)
    if (
        index is not None
        and len(index) > EXACT_LIMIT
        and (allowed is None or len(allowed) > EXACT_LIMIT)
    ):
        ask = want if allowed is None else want * 4
        while True:
            labels, dist = index.query(query, min(ask, len(index)))
            keep = labels[0] >= 0
            if allowed is not None:
                keep &= np.isin(labels[0], allowed)
            if exclude is not None:
                keep &= labels[0] != exclude
            if keep.sum() >= k or ask >= len(index) or ask >= 8 * MAX_K:
                break
            ask *= 4
        if keep.sum() >= k or allowed is None:
            return labels[0][keep][:k], dist[0][keep][:k]
    data = read_all(store, space)
    mask = np.ones(len(data.datapoint_ids), dtype=bool)
    if allowed is not None:
        mask &= np.isin(data.datapoint_ids, allowed)
    if exclude is not None:
        mask &= data.datapoint_ids != exclude
    candidates = data.datapoint_ids[mask]
    rows, dist = exact_search(data.vectors[mask], query, k, metric=space.metric)  # type: ignore[arg-type]
    found = rows[0] >= 0
    return candidates[rows[0][found]], dist[0][found]


def graph_for_rows(
    graph: KnnGraph, ids: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]] | None:
    """The graph as (row positions into ``ids``, distances), if it covers exactly ``ids``.

    None when the points differ (a projection over some datasets, vectors logged since the
    graph was built): the caller computes a graph of its own.
    """
    if len(graph.ids) != len(ids):
        return None
    order = np.argsort(ids)
    sorted_ids = ids[order]
    if not np.array_equal(sorted_ids, np.sort(graph.ids)):
        return None
    graph_rows = order[np.searchsorted(sorted_ids, graph.ids)]  # graph row i is ids[graph_rows[i]]
    pos = np.searchsorted(sorted_ids, graph.neighbour_ids.clip(0))
    neighbour_rows = np.where(graph.neighbour_ids >= 0, order[pos.clip(0, len(ids) - 1)], -1)
    rows = np.empty_like(neighbour_rows)
    distances = np.empty_like(graph.distances)
    rows[graph_rows] = neighbour_rows
    distances[graph_rows] = graph.distances
    return rows, distances


def queue_build(store: Store, *, project: str, space: str) -> JobRecord:
    """Queue a full rebuild of a space's index and kNN graph."""
    with store.write() as session:
        spc = catalog.get_space(session, catalog.get_project(session, project), space)
        if space_size(session, spc.id) == 0:
            raise InvalidInput(f"space {space!r} holds no vectors yet", where="space")
        job = create_job(
            session, JobKind.NEIGHBOURS_BUILD, project_id=spc.project_id, space_id=spc.id
        )
        return JobRecord.of(job)


@dataclass(frozen=True)
class IndexInfo:
    space_id: int
    metric: str
    indexed_count: int
    graph_k: int
    updated_at: datetime


def index_info(session: Session, space_ids: list[int]) -> dict[int, IndexInfo]:
    rows = session.scalars(select(NeighbourIndex).where(NeighbourIndex.space_id.in_(space_ids)))
    return {
        r.space_id: IndexInfo(r.space_id, r.metric, r.indexed_count, r.graph_k, r.updated_at)
        for r in rows
    }
