"""Neighbour index and kNN graph files under ``<data_dir>/indexes``.

Each save writes fresh file names (fsynced before the transaction that points the
``neighbour_index`` row at them commits, and claimed until it ends: ``chroma.db.files``)
and the replaced files are removed after that commit, so a reader holding the old names
keeps working and a failed job leaves the old index in place. Deleting a space removes its
files after the delete commits; files no row names are swept at start. What an index file
holds is the ANN library's business (``chroma.services.index_files``); this module only
names, syncs and removes the files.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.db import files
from chroma.db.models import NeighbourIndex
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


def _fresh(store: Store, space_id: int, suffix: str) -> files.Claim:
    """A new, empty file for a space under a fresh name (never one a reader may hold),
    claimed until its transaction ends (``chroma.db.files``): release it after the commit."""
    directory = index_dir(store)
    return files.claim_new(lambda: directory / f"space-{space_id}-{uuid.uuid4().hex[:12]}{suffix}")


def new_index_file(store: Store, space_id: int) -> files.Claim:
    """A claimed file for a space's ANN index (the ANN library writes it by name)."""
    return _fresh(store, space_id, ".hnsw")


def save_graph(store: Store, space_id: int, graph: KnnGraph) -> files.Claim:
    """Write the kNN graph durably into a claimed file of its own."""
    claim = _fresh(store, space_id, ".knn.npz")
    try:
        with open(claim.path, "wb") as f:
            np.savez(f, ids=graph.ids, neighbour_ids=graph.neighbour_ids, distances=graph.distances)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        claim.path.unlink(missing_ok=True)
        claim.release()
        raise
    return claim


def discard(store: Store, *names: str | None) -> None:
    """Remove files written for a transaction that did not commit."""
    for name in names:
        if name:
            (index_dir(store) / name).unlink(missing_ok=True)


def remove_after_commit(store: Store, session: Session, *names: str | None) -> None:
    directory = index_dir(store)
    remove_files_after_commit(session, [directory / n for n in names if n])


_FILE_COLUMNS = (NeighbourIndex.index_file, NeighbourIndex.delta_file, NeighbourIndex.graph_file)


def referenced_files(session: Session) -> set[str]:
    """Every index, delta and graph file a ``neighbour_index`` row names."""
    rows = session.execute(select(*_FILE_COLUMNS))
    return {name for row in rows for name in row if name}


def files_of_spaces(session: Session, space_ids: list[int]) -> list[str]:
    """The index, delta and graph files of these spaces (for their delete)."""
    if not space_ids:
        return []
    rows = session.execute(select(*_FILE_COLUMNS).where(NeighbourIndex.space_id.in_(space_ids)))
    return [name for row in rows for name in row if name]


def sweep_orphans(store: Store, *, grace_seconds: float) -> int:
    """Remove index files no row names (a job killed between writing and committing them),
    except those a live job still claims; the number removed."""

    def referenced() -> set[str]:
        with store.read() as session:
            return referenced_files(session)

    return files.sweep_unreferenced(
        index_dir(store).iterdir(), referenced, grace_seconds=grace_seconds
    )


def load_graph(store: Store, name: str) -> KnnGraph:
    with np.load(index_dir(store) / name) as data:
        return KnnGraph(
            ids=data["ids"], neighbour_ids=data["neighbour_ids"], distances=data["distances"]
        )
