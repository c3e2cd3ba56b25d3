"""Neighbour index and kNN graph files under ``<data_dir>/indexes``.

Each save writes fresh file names (fsynced before the transaction that points the
``neighbour_index`` row at them commits) and the replaced files are removed after that
commit, so a reader holding the old names keeps working and a failed job leaves the old
index in place. What an index file holds is the ANN library's business
(``chroma.services.index_files``); this module only names, syncs and removes the files.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chroma.db.store import Store
from chroma.db.vectors import remove_files_after_commit


@dataclass
class KnnGraph:
    """The k nearest other datapoints of every datapoint of a space, by id."""

    ids: npt.NDArray[np.int64]
    neighbour_ids: npt.NDArray[np.int64]  # (N, k); -1 where fewer
    distances: npt.NDArray[np.float32]  # (N, k)

    @property
    def k(self) -> int:
        return int(self.neighbour_ids.shape[1])


def index_dir(store: Store) -> Path:
    path = store.settings.data_dir / "indexes"
    path.mkdir(parents=True, exist_ok=True)
    return path


def fsync(path: Path) -> None:
    """Make a written file durable before a transaction names it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_index_path(store: Store, space_id: int) -> Path:
    """A fresh file name for a space's ANN index (never one a reader may hold)."""
    return index_dir(store) / f"space-{space_id}-{uuid.uuid4().hex[:12]}.hnsw"


def save_graph(store: Store, space_id: int, graph: KnnGraph) -> str:
    name = f"space-{space_id}-{uuid.uuid4().hex[:12]}.knn.npz"
    path = index_dir(store) / name
    with open(path, "wb") as f:
        np.savez(f, ids=graph.ids, neighbour_ids=graph.neighbour_ids, distances=graph.distances)
        f.flush()
        os.fsync(f.fileno())
    return name


def discard(store: Store, *names: str | None) -> None:
    """Remove files written for a transaction that did not commit."""
    for name in names:
        if name:
            (index_dir(store) / name).unlink(missing_ok=True)


def remove_after_commit(store: Store, session: Session, *names: str | None) -> None:
    directory = index_dir(store)
    remove_files_after_commit(session, [directory / n for n in names if n])


def load_graph(store: Store, name: str) -> KnnGraph:
    with np.load(index_dir(store) / name) as data:
        return KnnGraph(
            ids=data["ids"], neighbour_ids=data["neighbour_ids"], distances=data["distances"]
        )
