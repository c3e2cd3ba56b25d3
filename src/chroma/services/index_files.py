"""A space's ANN index in its file: write one (fsynced, under a fresh name) and load one,
cached per process by file name (a million-vector index takes seconds to load and ~3 GiB).

The files' names, durability and removal after commit are ``chroma.db.indexes``; what is
inside is hnswlib's format, which only this module and ``compute.neighbours`` know.
"""

from __future__ import annotations

import hnswlib

from chroma.compute.neighbours import AnnIndex, LayeredIndex, Metric
from chroma.core.lru import Lru
from chroma.db import files, indexes
from chroma.db.models import NeighbourIndex
from chroma.db.store import Store

_cache: Lru[str, AnnIndex] = Lru(4)  # two spaces' main indexes and their deltas


def save_index(store: Store, space_id: int, index: AnnIndex) -> files.Claim:
    """Write the index under a fresh name, durably; its claim (release it once the
    transaction that names the file has ended)."""
    claim = indexes.new_index_file(store, space_id)
    try:
        index.hnsw.save_index(str(claim.path))
        indexes.seal(store, claim.path)
    except BaseException:
        claim.path.unlink(missing_ok=True)
        claim.release()
        raise
    return claim


def load_index(
    store: Store, name: str, *, metric: Metric, dim: int, cached: bool = True
) -> AnnIndex:
    """The index in file ``name``; shared and cached unless ``cached=False`` (to modify it)."""
    found = _cache.get(name) if cached else None
    if found is not None:
        return found
    raw = hnswlib.Index(space=metric, dim=dim)
    raw.load_index(str(indexes.local_file(store, name)), allow_replace_deleted=False)
    index = AnnIndex(dim, metric, hnsw=raw)
    if cached:
        remember(name, index)
    return index


def remember(name: str, index: AnnIndex) -> None:
    """Keep an index this process just wrote (a job's build or merge) as the one loaded
    from ``name``: the job process's next update of the space queries it without reading
    ~1.7 GB back from the file."""
    _cache.put(name, index)


def forget_all() -> None:
    """Let go of every index this process keeps (what a fresh process starts with)."""
    _cache.clear()


def take_index(store: Store, name: str, *, metric: Metric, dim: int) -> AnnIndex:
    """The index in file ``name`` for the caller to change: out of this process's cache
    (whoever asks for ``name`` again loads the file), else loaded afresh. For job
    processes, where no request is answering queries with the cached object meanwhile."""
    index = _cache.pop(name)
    return (
        index
        if index is not None
        else load_index(store, name, metric=metric, dim=dim, cached=False)
    )


def load_space_index(
    store: Store, row: NeighbourIndex, *, metric: Metric, dim: int, cached: bool = True
) -> LayeredIndex | None:
    """The space's index as one: its main file and, if any, the delta beside it; None
    while the space has no index."""
    if not row.index_file:
        return None
    main = load_index(store, row.index_file, metric=metric, dim=dim, cached=cached)
    delta = (
        load_index(store, row.delta_file, metric=metric, dim=dim, cached=cached)
        if row.delta_file
        else None
    )
    return LayeredIndex(main, delta)
