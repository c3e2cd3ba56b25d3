"""What the ``analysis.compute`` job reads: a space's vectors and its datapoints' fields,
row-aligned, and neighbour lists by row position.

Neighbour lists come from the space's stored kNN graph when it covers exactly the analysed
points (``services.neighbours.graph_for_rows``), else from a graph of their own (exact up
to 5k points, HNSW above, like projections); neighbours among *reference* rows come from
the same graph when every row is reference, else from an exact search (or a fresh HNSW
index) over the reference vectors only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from chroma.compute.neighbours import AnnIndex, Metric, exact_search, knn_graph
from chroma.compute.progress import Progress
from chroma.core.errors import InvalidInput
from chroma.db.models import Analysis, Datapoint, Dataset, Space
from chroma.db.store import Store
from chroma.db.vectors import SpaceVectors
from chroma.services.analyses.params import MIN_ROWS
from chroma.services.neighbours import graph_for_rows, load_graph, read_all

EXACT_REFERENCE_CELLS = 200_000_000
"""Reference x query distances below which the reference search is exact (~1 s here)."""


@dataclass
class Inputs:
    """What every analysis reads: the vectors and the datapoints' fields, row-aligned."""

    store: Store
    space: Space
    data: SpaceVectors
    labels: npt.NDArray[np.object_]
    predictions: npt.NDArray[np.object_]
    scores: npt.NDArray[np.float32]
    dataset_names: list[str]
    """Names of the datasets present, indexed by ``dataset_codes``."""
    dataset_codes: npt.NDArray[np.int32]
    reference: npt.NDArray[np.bool_]
    progress: Progress
    metadata: list[dict[str, Any] | None] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)
    reused_graph: bool = False

    @property
    def ids(self) -> npt.NDArray[np.int64]:
        return self.data.datapoint_ids

    @property
    def n(self) -> int:
        return len(self.data.datapoint_ids)

    @property
    def metric(self) -> Metric:
        return self.space.metric  # type: ignore[return-value]

    def graph(self, k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The ``k`` nearest other rows of every row (row positions, distances)."""
        stored = load_graph(self.store, self.space.id)
        if stored is not None and stored.k >= k:
            covered = graph_for_rows(stored, self.ids)
            if covered is not None:
                self.reused_graph = True
                return covered[0][:, :k], covered[1][:, :k]
        self.progress(0.1, "computing the kNN graph")
        return knn_graph(
            self.data.vectors,
            k,
            metric=self.metric,
            progress=lambda f, m: self.progress(0.1 + 0.5 * f, m),
        )


def _fields(
    store: Store, space: Space, data: SpaceVectors, *, rich: bool
) -> tuple[list[tuple[Any, ...]], dict[int, str]]:
    """Label, prediction, score (and metadata, text when ``rich``) of every row of ``data``."""
    dataset_ids = sorted({int(i) for i in np.unique(data.dataset_ids)})
    columns: list[Any] = [
        Datapoint.id,
        Datapoint.label,
        Datapoint.prediction,
        Datapoint.prediction_score,
    ]
    if rich:
        columns += [Datapoint.metadata_, Datapoint.text]
    with store.read() as session:
        names = dict(
            session.execute(
                select(Dataset.id, Dataset.name).where(Dataset.project_id == space.project_id)
            ).all()
        )
        rows = session.execute(
            select(*columns).where(Datapoint.dataset_id.in_(dataset_ids)).order_by(Datapoint.id)
        ).all()
    return [tuple(r) for r in rows], names


def read_inputs(
    store: Store, row: Analysis, space: Space, progress: Progress, *, rich: bool = False
) -> Inputs:
    data = read_all(store, space, row.dataset_ids)
    if len(data.datapoint_ids) < MIN_ROWS:
        raise InvalidInput(
            f"{row.kind} needs at least {MIN_ROWS} points with vectors; there are "
            f"{len(data.datapoint_ids)}",
            where="datasets",
        )
    rows, names = _fields(store, space, data, rich=rich)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    pos = np.searchsorted(ids, data.datapoint_ids).clip(0, max(len(ids) - 1, 0))
    found = ids[pos] == data.datapoint_ids if len(ids) else np.zeros(len(pos), bool)
    if not found.all():  # a datapoint deleted while we read: leave its vector out
        keep = np.flatnonzero(found)
        data = SpaceVectors(data.datapoint_ids[keep], data.dataset_ids[keep], data.vectors[keep])
        pos = pos[keep]

    def column(index: int) -> npt.NDArray[np.object_]:
        values = np.empty(len(rows), dtype=object)
        values[:] = [r[index] for r in rows]
        picked: npt.NDArray[np.object_] = values[pos]
        return picked

    scores = np.array(
        [np.nan if s is None else s for s in column(3).tolist()], dtype=np.float32
    ).reshape(-1)
    present = sorted({int(i) for i in np.unique(data.dataset_ids)})
    code_of = {dataset_id: code for code, dataset_id in enumerate(present)}
    codes = np.array([code_of[int(i)] for i in data.dataset_ids], dtype=np.int32).reshape(-1)
    reference_ids = set(row.reference_dataset_ids or [])
    return Inputs(
        store=store,
        space=space,
        data=data,
        labels=column(1),
        predictions=column(2),
        scores=scores,
        dataset_names=[names[i] for i in present],
        dataset_codes=codes,
        reference=np.isin(data.dataset_ids, list(reference_ids)),
        progress=progress,
        metadata=column(4).tolist() if rich else [],
        texts=column(5).tolist() if rich else [],
    )


def _drop_own(
    rows: npt.NDArray[np.int64], distances: npt.NDArray[np.float32], k: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Remove each row's own entry (row ``i`` in line ``i``), else its last; keep ``k``."""
    n = len(rows)
    is_own = rows == np.arange(n)[:, None]
    is_own[~is_own.any(axis=1), -1] = True
    drop = np.argmax(is_own, axis=1)
    keep = np.ones_like(is_own)
    keep[np.arange(n), drop] = False
    return rows[keep].reshape(n, -1)[:, :k], distances[keep].reshape(n, -1)[:, :k]


def reference_neighbours(
    inputs: Inputs, k: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The ``k`` nearest *reference* rows of every row, a reference row never its own."""
    return neighbours_among(inputs, inputs.reference, k)


def neighbours_among(
    inputs: Inputs, among: npt.NDArray[np.bool_], k: int, *, what: str = "reference"
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The ``k`` nearest rows of ``among`` of every row (row positions), never the row
    itself; -1 pads a list when ``among`` holds fewer rows."""
    among_rows = np.flatnonzero(among)
    if len(among_rows) == inputs.n:  # every row: the space's own graph
        return inputs.graph(k)
    vectors = inputs.data.vectors
    inputs.progress(0.1, f"searching {len(among_rows):,} {what} points")
    if len(among_rows) * inputs.n <= EXACT_REFERENCE_CELLS:
        found, distances = exact_search(vectors[among_rows], vectors, k + 1, metric=inputs.metric)
    else:
        index = AnnIndex.build(
            vectors[among_rows],
            np.arange(len(among_rows), dtype=np.int64),
            metric=inputs.metric,
            progress=lambda f, m: inputs.progress(0.1 + 0.4 * f, m),
        )
        inputs.progress(0.5, f"querying the {what} index")
        found, distances = index.query(vectors, k + 1, ef=max(64, 2 * (k + 1)))
    rows = np.where(found >= 0, among_rows[found.clip(0)], -1)
    return _drop_own(rows, distances, k)
