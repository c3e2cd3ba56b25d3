"""Neighbour index and kNN graph files, kept in the artifact store (``indexes/``: the
data dir's by default; ``db/artifacts.py``).

Each save writes fresh file names (fsynced and published to the artifact store before the
transaction that points the ``neighbour_index`` row at them commits, and claimed until it
ends: ``chroma.db.files``) and the replaced files are removed after that commit, so a
reader holding the old names keeps working and a failed job leaves the old index in place.
A name is never written twice, so a machine's downloaded copy is a cache that cannot be
stale. Deleting a space removes its files after the delete commits; files no row names
are swept at start (and, with a remote store, this machine's unreferenced copies whenever
it downloads a file). What an index file holds is the ANN library's business
(``chroma.services.index_files``); this module only names, syncs and removes the files.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from chroma.db import files
from chroma.db.artifacts import ORPHAN_GRACE_SECONDS
from chroma.db.models import NeighbourIndex
from chroma.db.store import Store

log = logging.getLogger(__name__)

KIND = "indexes"
"""The artifact store's folder (or key prefix) for index and graph files."""


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
    """Where this machine writes index files and keeps those it reads."""
    return store.artifacts.folder(KIND)


def seal(store: Store, path: Path) -> None:
    """Make a written file durable, in the artifact store, before a transaction names it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    store.artifacts.publish(KIND, path)


def local_file(store: Store, name: str) -> Path:
    """The file ``name`` on this machine's disk, downloaded from a remote artifact store on
    a miss (the cached copies no row names any more then go)."""
    downloading = store.artifacts.remote and not (index_dir(store) / name).is_file()
    path = store.artifacts.fetch(KIND, name)
    if downloading:
        _sweep_local(store, grace_seconds=store.settings.orphan_grace_seconds)
    return path


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
        seal(store, claim.path)
    except BaseException:
        claim.path.unlink(missing_ok=True)
        claim.release()
        raise
    return claim


def discard(store: Store, *names: str | None) -> None:
    """Remove files written for a transaction that did not commit."""
    store.artifacts.remove(KIND, [name for name in names if name])


def remove_after_commit(store: Store, session: Session, *names: str | None) -> None:
    """Remove the files once the session commits (kept if it rolls back). The commit has
    happened: a store that fails to remove them now leaves them to the start-up sweep."""
    doomed = [name for name in names if name]
    if not doomed:
        return

    def _remove(_session: Session) -> None:
        try:
            store.artifacts.remove(KIND, doomed)
        except OSError:
            log.warning("could not remove replaced index files %s", doomed, exc_info=True)

    event.listen(session, "after_commit", _remove, once=True)


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


def _referenced(store: Store) -> set[str]:
    with store.read() as session:
        return referenced_files(session)


def _sweep_local(store: Store, *, grace_seconds: float) -> int:
    return files.sweep_unreferenced(
        index_dir(store).iterdir(), lambda: _referenced(store), grace_seconds=grace_seconds
    )


def sweep_orphans(store: Store, *, grace_seconds: float) -> int:
    """Remove index files no row names (a job killed between writing and committing them),
    except those a live job on this machine still claims, and with a remote artifact store
    its objects no row names that are older than :data:`ORPHAN_GRACE_SECONDS`; the number
    removed."""
    removed = _sweep_local(store, grace_seconds=grace_seconds)
    if store.artifacts.remote:
        referenced = _referenced(store)
        orphans = [
            name
            for name, age in store.artifacts.stored(KIND)
            if name not in referenced and age > max(grace_seconds, ORPHAN_GRACE_SECONDS)
        ]
        store.artifacts.remove(KIND, orphans)
        removed += len(orphans)
    return removed


def load_graph(store: Store, name: str) -> KnnGraph:
    with np.load(local_file(store, name)) as data:
        return KnnGraph(
            ids=data["ids"], neighbour_ids=data["neighbour_ids"], distances=data["distances"]
        )
