"""Comparisons: an analysis kind (``compare``) of space A against a second space B of the
same project, over the datapoints both hold (ADR 0015).

- :func:`check_comparison` runs before any row is written (``checks.py`` calls it, also
  before a recomputation): B exists, is another space of the same project, and the two
  share enough datapoints for ``k``.
- :func:`shared_inputs` narrows the job's inputs to the shared datapoints and reads B's
  vectors aligned with them; :func:`compare` is the kind's runner: the kNN of every shared
  point among the shared points in each space (the space's stored graph when it covers
  exactly them, else a graph of their own), then ``chroma.compute.analyses.comparisons``.
- ``comparison_requests.py: compare_spaces`` is the request by names (GraphQL
  ``compareSpaces``, the SDK's ``run.compare``): it resolves the names, then goes through
  ``run_analysis``, so a comparison is queued, recomputed, deleted and served like every
  analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.compute.analyses._common import label_codes
from chroma.compute.analyses.comparisons import (
    label_lists,
    mean_by_group,
    moved_rank,
    neighbourhood_change,
)
from chroma.compute.neighbours import Metric, knn_graph
from chroma.core.errors import InvalidInput, NotFound
from chroma.db.analyses import read_results
from chroma.db.models import Analysis, Space
from chroma.db.vectors import SpaceVectors, live_datapoint_ids
from chroma.services.analyses.inputs import Inputs
from chroma.services.analyses.params import MIN_ROWS
from chroma.services.neighbours import graph_for_rows, load_graph, read_all

KIND = "compare"
MOVED_MOST = 100
"""Datapoints the summary lists as having moved most."""


# ---- before any row is written ----------------------------------------------------------------


def check_comparison(
    session: Session, space: Space, dataset_ids: list[int] | None, params: dict[str, Any]
) -> dict[str, Any]:
    """Refuse a comparison a job would trip over; the params to store."""
    other_id = params.get("space_b")
    if other_id is None:
        raise InvalidInput(
            "name the space to compare with (params.space_b)", where="params.space_b"
        )
    other = session.get(Space, int(other_id))
    if other is None:
        raise NotFound(f"no space with id {other_id}", where="params.space_b")
    if other.project_id != space.project_id:
        raise InvalidInput(
            f"space {other.name!r} belongs to another project: only spaces of one project "
            "share datapoints",
            where="params.space_b",
        )
    if other.id == space.id:
        raise InvalidInput(
            f"compare space {space.name!r} with another space, not with itself",
            where="params.space_b",
        )
    shared = len(
        np.intersect1d(
            live_datapoint_ids(session, space.id, dataset_ids),
            live_datapoint_ids(session, other.id, dataset_ids),
        )
    )
    if shared == 0:
        raise InvalidInput(
            f"spaces {space.name!r} and {other.name!r} share no datapoints: log the same keys "
            "into both",
            where="params.space_b",
        )
    k = int(params["k"])
    if shared < max(MIN_ROWS, k + 1):
        raise InvalidInput(
            f"k={k} needs at least {max(MIN_ROWS, k + 1)} shared datapoints; spaces "
            f"{space.name!r} and {other.name!r} share {shared}",
            where="params.k",
        )
    return params


# ---- the job ----------------------------------------------------------------------------------


@dataclass
class ComparisonInputs(Inputs):
    """The analysis's inputs narrowed to the shared datapoints, with space B beside them."""

    other_space: Space | None = None
    other: SpaceVectors | None = None
    """B's vectors of the same rows, in the same order."""
    only_in_a: int = 0
    only_in_b: int = 0


def shared_inputs(inputs: Inputs, params: dict[str, Any], dataset_ids: list[int] | None) -> Inputs:
    """``inputs`` (of space A) narrowed to the datapoints space B holds too."""
    with inputs.store.read() as session:
        other = session.get(Space, int(params["space_b"]))
        if other is None:
            raise NotFound(
                f"space {params['space_b']} was deleted: delete this comparison",
                where="params.space_b",
            )
        session.expunge(other)
    data_b = read_all(inputs.store, other, dataset_ids)
    shared, rows_a, rows_b = np.intersect1d(
        inputs.ids, data_b.datapoint_ids, assume_unique=True, return_indices=True
    )
    k = int(params["k"])
    if len(shared) < max(MIN_ROWS, k + 1):
        raise InvalidInput(
            f"k={k} needs at least {max(MIN_ROWS, k + 1)} shared datapoints; there are "
            f"{len(shared)}",
            where="params.k",
        )
    data = inputs.data
    picked = {f.name: getattr(inputs, f.name) for f in fields(Inputs)}
    picked.update(
        data=SpaceVectors(
            data.datapoint_ids[rows_a], data.dataset_ids[rows_a], data.vectors[rows_a]
        ),
        labels=inputs.labels[rows_a],
        predictions=inputs.predictions[rows_a],
        scores=inputs.scores[rows_a],
        dataset_codes=inputs.dataset_codes[rows_a],
        reference=inputs.reference[rows_a],
    )
    b = SpaceVectors(
        data_b.datapoint_ids[rows_b], data_b.dataset_ids[rows_b], data_b.vectors[rows_b]
    )
    del data_b
    return ComparisonInputs(
        **picked,
        other_space=other,
        other=b,
        only_in_a=inputs.n - len(shared),
        only_in_b=0,
    )


def _graph_b(
    inputs: ComparisonInputs, k: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], bool]:
    assert inputs.other is not None
    assert inputs.other_space is not None
    stored = load_graph(inputs.store, inputs.other_space.id)
    if stored is not None and stored.k >= k:
        covered = graph_for_rows(stored, inputs.ids)
        if covered is not None:
            return covered[0][:, :k], covered[1][:, :k], True
    inputs.progress(0.5, f"computing the kNN graph of {inputs.other_space.name!r}")
    metric: Metric = inputs.other_space.metric  # type: ignore[assignment]
    rows, distances = knn_graph(
        inputs.other.vectors,
        k,
        metric=metric,
        progress=lambda f, m: inputs.progress(0.5 + 0.3 * f, m),
    )
    return rows, distances, False


def _strings(values: npt.NDArray[np.object_]) -> pa.Array:
    return pa.array(values.tolist(), type=pa.string())


def _clusters_of(inputs: Inputs) -> tuple[int, npt.NDArray[np.int64]] | None:
    """The newest computed ``clusters`` analysis of space A: its id and the cluster of each
    shared row (``-1``: noise or not clustered)."""
    with inputs.store.read() as session:
        row = session.scalar(
            select(Analysis)
            .where(
                Analysis.space_id == inputs.space.id,
                Analysis.kind == "clusters",
                Analysis.computed_at.is_not(None),
            )
            .order_by(Analysis.computed_at.desc())
            .limit(1)
        )
        if row is None:
            return None
        found = read_results(session, row.id)
        analysis_id = row.id
    if "cluster" not in found.table.column_names or not len(found):
        return None
    values = found.table.column("cluster").combine_chunks()
    cluster = np.asarray(values.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    order = np.argsort(found.datapoint_ids)
    sorted_ids = found.datapoint_ids[order]
    pos = np.searchsorted(sorted_ids, inputs.ids).clip(0, len(sorted_ids) - 1)
    hit = sorted_ids[pos] == inputs.ids
    return analysis_id, np.where(hit, cluster[order[pos]], -1)


def compare(inputs: Inputs, params: dict[str, Any]) -> tuple[dict[str, pa.Array], dict[str, Any]]:
    """The ``compare`` runner: per shared datapoint, how much its neighbourhood changed."""
    assert isinstance(inputs, ComparisonInputs)
    assert inputs.other_space is not None
    k = int(params["k"])
    rows_a, _ = inputs.graph(k)
    reused_a = inputs.reused_graph
    rows_b, _, reused_b = _graph_b(inputs, k)
    inputs.progress(0.85, "comparing the neighbourhoods")
    change = neighbourhood_change(rows_a, rows_b)
    moved = (1.0 - change.overlap).astype(np.float32)
    (codes,), names = label_codes(inputs.labels)
    gained = label_lists(change.gained, codes, names)
    lost = label_lists(change.lost, codes, names)
    rank = moved_rank(moved, inputs.ids)
    columns = {
        "neighbour_overlap": pa.array(change.overlap, mask=np.isnan(change.overlap)),
        "moved": pa.array(moved, mask=np.isnan(moved)),
        "gained_labels": _strings(gained),
        "lost_labels": _strings(lost),
        "moved_rank": pa.array(rank, type=pa.int64()),
    }
    top = np.argsort(rank)[:MOVED_MOST]
    clusters = _clusters_of(inputs)
    summary: dict[str, Any] = {
        "space_a": inputs.space.name,
        "space_b": inputs.other_space.name,
        "k": k,
        "shared": inputs.n,
        "only_in_a": inputs.only_in_a,
        "mean_overlap": float(np.nanmean(change.overlap)) if inputs.n else None,
        "reused_knn_graphs": {"a": reused_a, "b": reused_b},
        "labels": mean_by_group(change.overlap, codes, names),
        "clusters": None,
        "moved_most": [
            {
                "datapoint_id": int(inputs.ids[i]),
                "moved": float(moved[i]),
                "gained_labels": gained[i],
                "lost_labels": lost[i],
            }
            for i in top.tolist()
        ],
    }
    if clusters is not None:
        analysis_id, cluster = clusters
        summary["clusters"] = {
            "analysis": analysis_id,
            "by_cluster": mean_by_group(change.overlap, cluster, None),
        }
    return columns, summary
