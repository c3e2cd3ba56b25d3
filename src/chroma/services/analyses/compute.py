"""The ``analysis.compute`` job body: read a space, run one analysis, store its scores.

``analysis_inputs.py`` reads the vectors, the datapoints' fields and neighbour lists as
row positions; each kind here calls ``chroma.compute.analyses`` and turns its arrays into
Arrow columns (NaN as null, row positions back to datapoint ids) and a JSON summary. The
scores are written as Arrow chunks and the analysis flipped to ready in the job's one
commit (ADR 0008), so a failed or cancelled job leaves the previous result whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from chroma.compute.analyses.class_distance import class_distances
from chroma.compute.analyses.clusters import cluster_drift, density_clusters, describe_clusters
from chroma.compute.analyses.duplicates import (
    cross_dataset_summary,
    duplicate_groups,
    suggest_threshold,
)
from chroma.compute.analyses.label_next import candidate_rows, label_next, label_next_signals
from chroma.compute.analyses.mislabels import mislabel_scores
from chroma.compute.analyses.outliers import ood_summary, outlier_scores
from chroma.compute.progress import Progress
from chroma.compute.projections.knn import reduce
from chroma.core.errors import InvalidInput
from chroma.db.analyses import clear_results, write_results
from chroma.db.models import utcnow
from chroma.db.projections import read_coordinates
from chroma.db.store import Store
from chroma.services import computed
from chroma.services.analyses.comparisons import compare, shared_inputs
from chroma.services.analyses.freshness import inputs_stamp, queue_again_if_changed
from chroma.services.analyses.inputs import (
    Inputs,
    neighbours_among,
    read_inputs,
    reference_neighbours,
)
from chroma.services.analyses.params import MIN_ROWS, validate_params
from chroma.services.analyses.requests import ANALYSES
from chroma.services.jobs import Commit

Columns = dict[str, pa.Array]

SUMMARY_IDS = 1000
"""Datapoint ids a summary lists at most (picked rows, a duplicate group)."""
SUMMARY_GROUPS = 20


def compute_analysis(
    store: Store, analysis_id: int, *, progress: Progress, commit: Commit
) -> dict[str, Any]:
    """Run the analysis on the space's current vectors and replace its stored result."""
    row, space = computed.load(store, ANALYSES, analysis_id)
    params = validate_params(row.kind, row.params)
    progress(0.0, "reading vectors")
    with store.read() as session:  # before the data: see freshness.py
        stamp = inputs_stamp(session, row)
    inputs = read_inputs(store, row, space, progress, rich=row.kind == "clusters")
    if row.kind == "compare":  # only the datapoints the second space holds too (ADR 0015)
        inputs = shared_inputs(inputs, params, computed.ids_or_none(row.dataset_ids))
    progress(0.05, f"analysing {inputs.n:,} points")
    columns, summary = RUNNERS[row.kind](inputs, params)
    summary = {"points": inputs.n, "reused_knn_graph": inputs.reused_graph, **summary}
    progress(0.95, "saving the scores")
    table = pa.table(columns)
    result: dict[str, Any] = {"points": inputs.n, "kind": row.kind}
    with commit(result) as session:
        target = computed.in_commit(session, ANALYSES, analysis_id)
        clear_results(session, analysis_id)
        write_results(session, analysis_id, inputs.ids, table)
        target.row_count = inputs.n
        target.summary = _plain(summary)
        target.computed_at = utcnow()
        target.inputs_stamp = stamp
        if store.settings.auto_jobs:  # rows logged meanwhile: compute again with them
            again = queue_again_if_changed(session, target, stamp)
            if again is not None:
                result["queued_again"] = again
    return result


# ---- the kinds ------------------------------------------------------------------------------


def _f32(values: npt.ArrayLike) -> pa.Array:
    """Scores as float32; NaN (no score for this row) stored as null."""
    array = np.asarray(values, dtype=np.float32)
    return pa.array(array, type=pa.float32(), mask=np.isnan(array))


def _strings(values: npt.NDArray[np.object_]) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in values.tolist()], type=pa.string())


def _ints_or_null(values: npt.NDArray[np.int64], null: int) -> pa.Array:
    array = np.asarray(values, dtype=np.int64)
    return pa.array(array, type=pa.int64(), mask=array == null)


def _id_lists(rows: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]) -> pa.Array:
    """(n, e) row positions (-1 pads) as one list of datapoint ids per row."""
    valid = rows >= 0
    offsets = np.concatenate([[0], np.cumsum(valid.sum(axis=1))]).astype(np.int32)
    flat = ids[rows[valid]]
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, type=pa.int64()))


def _names_of(inputs: Inputs, mask: npt.NDArray[np.bool_]) -> list[str]:
    return sorted({inputs.dataset_names[c] for c in np.unique(inputs.dataset_codes[mask])})


def _has_values(values: npt.NDArray[np.object_]) -> bool:
    return any(v is not None for v in values.tolist())


def _class_distance(inputs: Inputs, params: dict[str, Any]) -> tuple[Columns, dict[str, Any]]:
    inputs.progress(0.1, "fitting one distribution per class")
    found = class_distances(
        inputs.data.vectors,
        inputs.labels,
        inputs.reference,
        min_class_size=params["min_class_size"],
    )
    columns = {
        "class_distance": _f32(found.own_distance),
        "nearest_class": _strings(found.nearest_class),
        "nearest_class_distance": _f32(found.nearest_distance),
    }
    summary = {
        "reference": _names_of(inputs, inputs.reference),
        "classes": dict(found.fitted),
        "too_small": dict(found.too_small),
    }
    return columns, summary


def _mislabels(inputs: Inputs, params: dict[str, Any]) -> tuple[Columns, dict[str, Any]]:
    rows, distances = inputs.graph(params["k"])
    inputs.progress(0.7, "comparing labels with their neighbours' and a linear model's")
    found = mislabel_scores(
        inputs.labels,
        rows,
        distances,
        vectors=inputs.data.vectors,
        **_logged_predictions(inputs),
        review_share=params["review_share"],
    )
    columns = {
        "mislabel_score": _f32(found.score),
        "suggested_label": _strings(found.suggested),
        "label_agreement": _f32(found.agreement),
        "evidence": _id_lists(found.evidence, inputs.ids),
    }
    summary = {
        "labelled": int(np.isfinite(found.score).sum()),
        "suggestions": sum(v is not None for v in found.suggested.tolist()),
        "flagged": int(found.flagged.sum()),
        "review_share": params["review_share"],
        "used_predictions": _has_values(inputs.predictions),
    }
    return columns, summary


def _logged_predictions(inputs: Inputs) -> dict[str, Any]:
    """The model's logged predictions and scores, where any were logged."""
    return {
        "predictions": inputs.predictions if _has_values(inputs.predictions) else None,
        "prediction_scores": inputs.scores if np.isfinite(inputs.scores).any() else None,
    }


def _outliers(inputs: Inputs, params: dict[str, Any]) -> tuple[Columns, dict[str, Any]]:
    k = params["k"]
    if int(inputs.reference.sum()) < k + 1:
        raise InvalidInput(
            f"outliers with k={k} need at least {k + 1} reference points", where="reference"
        )
    rows, distances = reference_neighbours(inputs, k)
    others = others_distances = None
    other = ~inputs.reference
    if params["method"] == "combined" and int(other.sum()) >= k + 1:  # the density ratio's
        after = replace(inputs, progress=lambda f, m: inputs.progress(0.5 + 0.5 * f, m))
        others, others_distances = neighbours_among(after, other, k, what="other")
    inputs.progress(0.8, "scoring against the reference")
    found = outlier_scores(
        rows,
        distances,
        inputs.reference,
        k=k,
        quantile=params["quantile"],
        method=params["method"],
        other_neighbours=others,
        other_distances=others_distances,
    )
    columns = {
        "ood_score": _f32(found.ood_score),
        "knn_distance": _f32(found.knn_distance),
        "density_score": _f32(found.density_score),
        "ood": pa.array(np.asarray(found.ood, dtype=bool), type=pa.bool_()),
    }
    summary = {
        "reference": _names_of(inputs, inputs.reference),
        "method": found.method,
        "parts": found.parts,
        "quantile": params["quantile"],
        "threshold": float(found.threshold),
        "ood": ood_summary(found.ood, inputs.dataset_codes, inputs.dataset_names),
    }
    return columns, summary


def _duplicates(inputs: Inputs, params: dict[str, Any]) -> tuple[Columns, dict[str, Any]]:
    rows, distances = inputs.graph(params["k"])
    threshold = params["threshold"]
    if threshold is None:  # a fifth of the median nearest-neighbour distance (see there)
        threshold = suggest_threshold(distances, metric=inputs.metric)
    inputs.progress(0.7, "grouping near-duplicates")
    found = duplicate_groups(rows, distances, threshold=threshold)
    columns = {
        "duplicate_group": _ints_or_null(found.group, -1),
        "duplicate_distance": _f32(found.distance),
    }
    summary = dict(cross_dataset_summary(found, inputs.dataset_codes, inputs.dataset_names))
    summary["threshold"] = float(threshold)
    summary["largest"] = [
        inputs.ids[np.asarray(group[:SUMMARY_IDS], dtype=np.int64)].tolist()
        for group in found.groups[:SUMMARY_GROUPS]
    ]
    return columns, summary


def _cluster_points(
    inputs: Inputs, params: dict[str, Any]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """The points to cluster and which rows they are (a map may lack the newest points)."""
    if params["source"] == "vectors":
        inputs.progress(0.1, "reducing the vectors")
        return reduce(inputs.data.vectors, inputs.metric).vectors, np.ones(inputs.n, bool)
    with inputs.store.read() as session:
        coords = read_coordinates(session, int(params["projection"]))
    if not len(coords):
        raise InvalidInput(
            f"map {params['projection']} has no points (deleted?)", where="params.projection"
        )
    order = np.argsort(coords.datapoint_ids)
    sorted_ids = coords.datapoint_ids[order]
    pos = np.searchsorted(sorted_ids, inputs.ids).clip(0, len(sorted_ids) - 1)
    on_map = sorted_ids[pos] == inputs.ids
    if int(on_map.sum()) < MIN_ROWS:
        raise InvalidInput(
            f"only {int(on_map.sum())} of the analysed points are on map {params['projection']}",
            where="params.projection",
        )
    return coords.coords[order[pos[on_map]]], on_map


def _clusters(inputs: Inputs, params: dict[str, Any]) -> tuple[Columns, dict[str, Any]]:
    points, on_map = _cluster_points(inputs, params)
    inputs.progress(0.3, f"clustering {len(points):,} points")
    found = np.asarray(
        density_clusters(points, min_cluster_size=params["min_cluster_size"]), dtype=np.int64
    )
    inputs.progress(0.8, "describing the clusters")
    rows = np.flatnonzero(on_map)
    described = describe_clusters(
        found,
        labels=inputs.labels[rows] if _has_values(inputs.labels) else None,
        predictions=inputs.predictions[rows] if _has_values(inputs.predictions) else None,
        metadata=[inputs.metadata[i] for i in rows.tolist()],
        texts=[inputs.texts[i] for i in rows.tolist()] if any(inputs.texts) else None,
        datasets=np.asarray(inputs.dataset_names, dtype=object)[inputs.dataset_codes[rows]]
        if len(inputs.dataset_names) > 1  # one dataset: "train 100%" says nothing
        else None,
    )
    cluster = np.full(inputs.n, -2, dtype=np.int64)  # -2: not on the map -> null
    cluster[rows] = found
    summary: dict[str, Any] = {
        "source": params["source"],
        "projection": params["projection"],
        "clusters": described,
        "noise": int((found == -1).sum()),
        "not_on_map": int((~on_map).sum()),
        "drift": None,
    }
    baseline, current = params["baseline"], params["current"]
    if baseline in inputs.dataset_names and current in inputs.dataset_names:
        summary["drift"] = {
            "baseline": baseline,
            "current": current,
            "clusters": cluster_drift(
                found,
                inputs.dataset_codes[rows],
                inputs.dataset_names.index(baseline),
                inputs.dataset_names.index(current),
            ),
        }
    return {"cluster": _ints_or_null(cluster, -2)}, summary


def _label_next(inputs: Inputs, params: dict[str, Any]) -> tuple[Columns, dict[str, Any]]:
    k = params["k"]
    rows, distances = inputs.graph(k)
    inputs.progress(0.7, "mixing the signals")
    signals = label_next_signals(
        inputs.labels, rows, distances, vectors=inputs.data.vectors, **_logged_predictions(inputs)
    )
    within = None
    if params["candidates"] is not None:
        wanted = [
            inputs.dataset_names.index(n) for n in params["candidates"] if n in inputs.dataset_names
        ]
        within = np.isin(inputs.dataset_codes, wanted)
        if not within.any():
            raise InvalidInput("no candidate points to pick from", where="params.candidates")
    try:
        candidates = candidate_rows(inputs.labels, params["candidate_rows"], within)
    except InvalidInput as error:
        raise InvalidInput(error.message, where="params.candidate_rows") from error
    size = min(int(params["size"]), int(candidates.sum()))
    found = label_next(
        size=size,
        neighbours=rows,
        candidates=candidates,
        weights=params["weights"],
        **signals,
    )
    columns = {
        "label_next_rank": _ints_or_null(found.rank, 0),
        "label_next_score": _f32(found.score),
    }
    summary = {
        "size": len(found.order),
        "picked": inputs.ids[found.order[:SUMMARY_IDS]].tolist(),
        "weights": dict(params["weights"]),
        "signals": [name for name, values in signals.items() if values is not None],
        "candidate_rows": params["candidate_rows"],
    }
    return columns, summary


RUNNERS: dict[str, Callable[[Inputs, dict[str, Any]], tuple[Columns, dict[str, Any]]]] = {
    "class_distance": _class_distance,
    "mislabels": _mislabels,
    "outliers": _outliers,
    "duplicates": _duplicates,
    "clusters": _clusters,
    "label_next": _label_next,
    "compare": compare,
}


def _plain(value: Any) -> Any:
    """A summary as plain JSON: numpy scalars and arrays unwrapped, NaN and inf as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
