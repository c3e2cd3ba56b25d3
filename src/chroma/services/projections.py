"""Maps (projection sets): create (parameters checked before any work), compute, place new
points into an existing map; recompute and delete are the shared lifecycle of computed
results (``computed.py``).

A computation writes its coordinates and sets ``computed_at`` in the job's one commit, so
a failed or cancelled job leaves the previous map (or none), never half of one. Points
logged afterwards are *placed* (their neighbours' positions, refined with the old points
fixed) and flagged, so the map users know does not move.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.compute import projections as compute
from chroma.compute.neighbours import AnnIndex, Metric, exact_search
from chroma.compute.progress import Progress
from chroma.core.errors import InvalidInput
from chroma.db import caches
from chroma.db.models import Job, ProjectionSet, Space, utcnow
from chroma.db.projections import (
    Coordinates,
    clear_coordinates,
    read_coordinates,
    write_coordinates,
)
from chroma.db.store import Store
from chroma.db.vectors import space_size
from chroma.services import catalog, computed, index_files, steps
from chroma.services.computed import ComputedKind, ComputedRecord
from chroma.services.jobs import Commit, JobKind, JobRecord
from chroma.services.neighbours import graph_for_rows, index_row, load_graph, read_all

PLACE_K = 15
EXACT_PLACE_LIMIT = 50_000  # reference points below which placement searches exactly


@dataclass(frozen=True)
class ProjectionRecord(ComputedRecord):
    algorithm: str
    auto_place: bool
    point_count: int
    placed_count: int
    align_to_id: int | None

    @classmethod
    def of(cls, row: ProjectionSet, job: Job | None) -> ProjectionRecord:
        return cls(
            **ComputedRecord.common(row, job),
            algorithm=row.algorithm,
            auto_place=row.auto_place,
            point_count=row.point_count,
            placed_count=row.placed_count,
            align_to_id=row.align_to_id,
        )


def _recheck(session: Session, row: ProjectionSet, space: Space) -> None:
    n = space_size(session, space.id, row.dataset_ids)
    row.params = compute.validate_params(row.algorithm, dict(row.params), n)


def _remove_files(store: Store, session: Session, projection_id: int) -> None:
    caches.remove_maps_after_commit(store, session, [projection_id])


PROJECTIONS: ComputedKind[ProjectionSet, ProjectionRecord] = ComputedKind(
    noun="projection",
    model=ProjectionSet,
    compute_job=JobKind.PROJECTION_COMPUTE,
    other_jobs=(JobKind.PROJECTION_PLACE,),
    target_key="projection_id",
    record=ProjectionRecord.of,
    recheck=_recheck,
    remove_files=_remove_files,
)


def get_projection(session: Session, projection_id: int) -> ProjectionRecord:
    return computed.get(session, PROJECTIONS, projection_id)


def projections_of_spaces(
    session: Session, space_ids: Sequence[int]
) -> dict[int, list[ProjectionRecord]]:
    return computed.of_spaces(session, PROJECTIONS, space_ids)


def create_projection(
    store: Store,
    *,
    project: str,
    space: str,
    algorithm: str = "umap",
    params: dict[str, Any] | None = None,
    datasets: Sequence[str] | None = None,
    auto_place: bool = True,
    align_to: int | None = None,
) -> tuple[ProjectionRecord, JobRecord]:
    """Check everything, then record the set and queue its computation (one transaction).

    ``align_to`` names a map of the same project sharing datapoints with this space: the
    new map starts from its layout and is rotated onto it (``services/steps.py``).
    """
    with store.write() as session:
        proj = catalog.get_project(session, project)
        spc = catalog.get_space(session, proj, space)
        names = catalog.dataset_names(session, proj.id)
        dataset_ids = catalog.resolve_datasets(names, datasets, "datasets")
        n = space_size(session, spc.id, dataset_ids)
        checked = compute.validate_params(algorithm, dict(params or {}), n)
        if align_to is not None:
            steps.check_align_to(session, spc, align_to, dataset_ids)
        return _create(session, spc, algorithm, checked, dataset_ids, auto_place, align_to)


def _create(
    session: Session,
    space: Space,
    algorithm: str,
    params: dict[str, Any],
    dataset_ids: list[int] | None,
    auto_place: bool,
    align_to_id: int | None = None,
) -> tuple[ProjectionRecord, JobRecord]:
    row = ProjectionSet(
        space_id=space.id,
        algorithm=algorithm,
        params=params,
        dataset_ids=dataset_ids,
        auto_place=auto_place,
        align_to_id=align_to_id,
    )
    session.add(row)
    job = computed.queue(session, PROJECTIONS, row, space)
    return computed.records(session, PROJECTIONS, [row])[0], JobRecord.of(job)


def recompute_projection(store: Store, projection_id: int) -> tuple[ProjectionRecord, JobRecord]:
    """Compute a map again from all its current points (checked again first)."""
    return computed.recompute(store, PROJECTIONS, projection_id)


def delete_projection(store: Store, projection_id: int) -> ProjectionRecord:
    """Delete a map with its points; its queued jobs are cancelled, running ones asked to stop."""
    return computed.delete_result(store, PROJECTIONS, projection_id)


def queue_map_updates(session: Session, space: Space, *, min_points: int) -> list[int]:
    """What a space's maps need after ingest: new points placed into each auto-updating map,
    or, for a space without any map yet, a first map (UMAP, or PCA while the space is too
    small for UMAP; none below ``min_points``), aligned to the previous step's map when the
    space is a step of a family. Returns the queued jobs' ids."""
    rows = session.scalars(select(ProjectionSet).where(ProjectionSet.space_id == space.id)).all()
    if not rows:
        n = space_size(session, space.id)
        if n < min_points:
            return []
        try:
            algorithm, params = default_algorithm(n)
        except InvalidInput:
            return []
        previous = steps.previous_step_map(session, space)
        record, job = _create(
            session,
            space,
            algorithm,
            params,
            None,
            auto_place=True,
            align_to_id=previous.id if previous is not None else None,
        )
        steps.adopt_next_step(session, space, record.id)
        return [job.id]
    return [
        computed.queue_job(session, PROJECTIONS, JobKind.PROJECTION_PLACE, row, space).id
        for row in rows
        if row.auto_place and row.computed_at is not None
    ]


def _pack_model(model: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {k: np.asarray(v) for k, v in model.items()}
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def _unpack_model(data: bytes | None) -> dict[str, Any]:
    if not data:
        return {}
    with np.load(io.BytesIO(data)) as arrays:
        return {k: arrays[k] if arrays[k].ndim else arrays[k].item() for k in arrays.files}


def compute_projection(
    store: Store, projection_id: int, *, progress: Progress, commit: Commit
) -> dict[str, Any]:
    """Compute the whole map again from the set's current vectors."""
    row, spc = computed.load(store, PROJECTIONS, projection_id)
    progress(0.0, "reading vectors")
    data = read_all(store, spc, row.dataset_ids)
    params = compute.validate_params(row.algorithm, dict(row.params), len(data.datapoint_ids))
    knn = None
    if row.algorithm == "umap":
        graph = load_graph(store, spc.id)
        if graph is not None and graph.k + 1 >= int(params.get("n_neighbors", 15)):
            knn = graph_for_rows(graph, data.datapoint_ids)
    with store.read() as session:
        seen = steps.reference_version(session, row)
    reference = steps.reference_for(store, row, data.datapoint_ids)
    if reference is not None and row.algorithm != "pca":  # PCA has no start to give
        progress(0.03, "starting from the map aligned to")
        initial = steps.initial_layout(
            reference, data.vectors, spc.metric, params.get("random_state")
        )
    else:
        initial = None
    result = compute.project(
        row.algorithm,
        data.vectors,
        params,
        metric=spc.metric,
        knn=knn,
        initial=initial,
        progress=lambda f, m: progress(0.05 + 0.9 * f, m),
    )
    coords, frame = steps.rotate_onto(reference, result.coords)
    progress(0.97, "saving the map")
    summary: dict[str, Any] = {
        "points": len(data.datapoint_ids),
        "reused_knn_graph": knn is not None,
        "aligned_to": reference.projection_id if reference is not None else None,
    }
    if reference is not None:
        summary["alignment_residual"] = round(float(frame["align_residual"]), 6)
    model = {**result.model, **frame}
    with commit(summary) as session:
        target = computed.in_commit(session, PROJECTIONS, projection_id)
        clear_coordinates(session, projection_id)
        write_coordinates(session, projection_id, data.datapoint_ids, coords, placed=False)
        target.model = _pack_model(model)
        target.point_count, target.placed_count = len(data.datapoint_ids), 0
        target.computed_at = utcnow()
        _realign_dependants(session, target)
        if steps.reference_version(session, target) != seen:
            # The map it aligns to was computed meanwhile (side by side): once more, on it.
            _recompute_quietly(session, target, spc)
    return summary


def _realign_dependants(session: Session, reference: ProjectionSet) -> None:
    """Maps aligned to this one, computed against an older version of it or before it had
    coordinates (two steps' maps computed side by side), are computed again against it:
    a family's steps stay aligned down the chain."""
    for dependant in steps.dependants(session, reference.id):
        current = steps.aligned_to_current(_unpack_model(dependant.model), reference)
        idle = computed.active_job(session, dependant) is None
        if dependant.computed_at is not None and not current and idle:
            space = session.get(Space, dependant.space_id)
            assert space is not None  # a space's maps are deleted with it
            _recompute_quietly(session, dependant, space)


def _recompute_quietly(session: Session, row: ProjectionSet, space: Space) -> None:
    """Queue a map's recomputation for its alignment's sake, unless its own checks now
    fail (its data no longer fits its params): then it is left as it is."""
    try:
        computed.recompute_in(session, PROJECTIONS, row, space)
    except InvalidInput:
        return


def place_new_points(
    store: Store, projection_id: int, *, progress: Progress, commit: Commit
) -> dict[str, Any]:
    """Give the points logged since the map was computed a place, moving no other point."""
    row, spc = computed.load(store, PROJECTIONS, projection_id)
    if row.computed_at is None:
        return _nothing(commit, {"placed": 0, "reason": "the map is not computed yet"})
    with store.read() as session:
        existing = read_coordinates(session, projection_id)
    progress(0.0, "reading vectors")
    data = read_all(store, spc, row.dataset_ids)
    new = ~np.isin(data.datapoint_ids, existing.datapoint_ids)
    if not new.any():
        return _nothing(commit, {"placed": 0})
    new_ids, new_vectors = data.datapoint_ids[new], data.vectors[new]
    k = min(int(row.params.get("n_neighbors", PLACE_K)), len(existing))
    rows, distances = _neighbours_in_map(store, spc, data, existing, new_vectors, k, progress)
    model = _unpack_model(row.model)
    coords = compute.place(
        row.algorithm,
        model,
        new_vectors=new_vectors,
        reference_coords=existing.coords,
        neighbour_rows=rows,
        neighbour_distances=distances,
        progress=lambda f, m: progress(0.5 + 0.45 * f, m),
    )
    coords = steps.into_frame(row.algorithm, model, coords)
    with commit({"placed": len(new_ids)}) as session:
        target = computed.in_commit(session, PROJECTIONS, projection_id)
        write_coordinates(session, projection_id, new_ids, coords, placed=True)
        target.point_count += len(new_ids)
        target.placed_count += len(new_ids)
    return {"placed": len(new_ids)}


def _nothing(commit: Commit, result: dict[str, Any]) -> dict[str, Any]:
    with commit(result):
        return result


def _neighbours_in_map(
    store: Store,
    space: Space,
    data: Any,
    existing: Coordinates,
    new_vectors: npt.NDArray[np.float32],
    k: int,
    progress: Progress,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The ``k`` nearest points *already on the map* of each new vector (rows of ``existing``)."""
    metric: Metric = space.metric  # type: ignore[assignment]
    order = np.argsort(existing.datapoint_ids)
    sorted_ids = existing.datapoint_ids[order]
    with store.read() as session:
        index_state = index_row(session, space.id)
    index = (
        index_files.load_space_index(store, index_state, metric=metric, dim=space.dimension)
        if index_state is not None and len(existing) > EXACT_PLACE_LIMIT
        else None
    )
    if index is not None:
        progress(0.1, "finding neighbours in the index")
        # The new points are in the index too: ask for a few more than k, so that most
        # rows keep k neighbours already on the map (a row with fewer still places).
        ask = min(k + k // 2 + 1, len(index))
        labels, distances = index.query(new_vectors, ask, ef=max(64, ask))
        pos = np.searchsorted(sorted_ids, labels).clip(0, len(sorted_ids) - 1)
        on_map = (sorted_ids[pos] == labels) & (labels >= 0)
        if on_map.sum(axis=1).min(initial=k) >= 1:
            keep = np.argsort(~on_map, axis=1, kind="stable")[:, :k]
            rows = np.where(
                np.take_along_axis(on_map, keep, 1), order[np.take_along_axis(pos, keep, 1)], -1
            )
            return rows, np.take_along_axis(distances, keep, 1)
    # No usable index: search the map's own vectors (exactly while small, else a fresh index).
    in_data = np.searchsorted(sorted_ids, data.datapoint_ids).clip(0, len(sorted_ids) - 1)
    present = sorted_ids[in_data] == data.datapoint_ids
    ref_vectors = data.vectors[present]
    ref_rows = order[in_data[present]]
    progress(0.1, "finding neighbours in the map")
    if len(ref_rows) <= EXACT_PLACE_LIMIT:
        found, distances = exact_search(ref_vectors, new_vectors, k, metric=metric)
    else:
        temp = AnnIndex.build(ref_vectors, np.arange(len(ref_rows), dtype=np.int64), metric=metric)
        found, distances = temp.query(new_vectors, k)
    return np.where(found >= 0, ref_rows[found.clip(0)], -1), distances


def default_algorithm(n_points: int) -> tuple[str, dict[str, Any]]:
    """The map made automatically for a new space: UMAP, or PCA while too few for UMAP."""
    try:
        return "umap", compute.validate_params("umap", {}, n_points)
    except InvalidInput:
        return "pca", compute.validate_params("pca", {}, n_points)
