"""This machine's copies of vector chunks kept in the database (PostgreSQL), as files.

On PostgreSQL a chunk's bytes live inline in ``embedding_chunk.vectors`` (ADR 0002), and
reading them back is a transfer from the server: ~1 s per 200,000 x 384 vectors, where
SQLite maps its segment files. A chunk read once is therefore kept as an entry of the
``chunks`` cache (``db/caches.py``: written atomically, manifest last; least recently used
dropped beyond ``Settings.vector_cache_bytes``), and the next read maps that file instead.
The database stays the only record: an entry is a copy, made again whenever it is missing
or does not check out.

An entry can never stand for other bytes than the chunk's as this read sees them:

- Its key holds the database's identity (the cluster's ``system_identifier`` and the
  database's OID): chunk ids start at 1 in every database, and a data dir may be pointed
  at another one.
- And the chunk's version: its id, row count, creation time and row version (``xmin``).
  Compaction rewrites a chunk's bytes under the same id (``db/compaction.py``, fewer
  rows), and ``TRUNCATE ... RESTART IDENTITY`` or a restored backup hands an id out
  again; a changed ``xmin`` (re-logged rows marked dead too) only costs one more transfer.
- Every read checks the file's size and a checksum of all its bytes (a 64-bit sum of its
  words: ~6 ms per 200,000 x 384 next to the ~90 ms copy, where BLAKE2 takes ~380 ms and
  CRC-32 ~190 ms here), so a truncated, zeroed or edited file is rebuilt, never served.

Entries are immutable, so processes sharing a data dir need no lock: two that miss at
once write the same bytes under the same name, each by rename. The owner is the space
(``s<id>``) and keys start with the dataset (``d<id>_``), so deletes remove them after
they commit (:func:`remove_spaces_after_commit`, :func:`remove_datasets_after_commit`);
superseded versions are left to the bound. SQLite never uses this: its chunks are segment
files already, or rows SQLite itself maps.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import Text, cast, literal_column, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from chroma.db import caches
from chroma.db.store import Store

_log = logging.getLogger(__name__)

F32 = np.dtype("<f4")
PART = "f32"
ROW_VERSION: ColumnElement[str] = cast(literal_column("embedding_chunk.xmin"), Text)
"""PostgreSQL's id of the transaction that wrote the chunk's row as read (changes with
every UPDATE of it)."""
_IDENTITY = "chroma_database_identity"


def space_owner(space_id: int) -> str:
    return f"s{space_id}"


def dataset_key_prefix(dataset_id: int) -> str:
    return f"d{dataset_id}_"


def checksum(data: bytes | memoryview | npt.NDArray[np.generic]) -> str:
    """The sum of the bytes' little-endian 64-bit words (mod 2**64), the tail's as one, and
    their length. Not a cryptographic digest: it catches what happens to a cache file
    (cut short, zeroed pages, flipped bits, another chunk's bytes) at memory speed."""
    raw = np.frombuffer(data, dtype=np.uint8)
    whole = len(raw) // 8 * 8
    total = int(np.add.reduce(raw[:whole].view("<u8"), dtype=np.uint64)) if whole else 0
    total += int.from_bytes(raw[whole:].tobytes(), "little")
    return f"sum64-{total % (1 << 64):016x}-{len(raw)}"


def _database_identity(session: Session) -> str | None:
    """The cluster's system identifier and the database's OID, asked once per connection;
    None where the role may not read the identifier (the cache is then not used)."""
    connection = session.connection()
    info = connection.info
    if _IDENTITY not in info:
        allowed = session.execute(
            text("SELECT has_function_privilege('pg_control_system()', 'EXECUTE')")
        ).scalar_one()
        identity = None
        if allowed:
            system, database = session.execute(
                text(
                    "SELECT (SELECT system_identifier FROM pg_control_system())::text,"
                    " (SELECT oid FROM pg_database WHERE datname = current_database())::text"
                )
            ).one()
            identity = f"{system}/{database}"
        info[_IDENTITY] = identity
    value = info[_IDENTITY]
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class ChunkVersion:
    """What tells one version of a chunk's bytes from any other (module docstring)."""

    space_id: int
    dataset_id: int
    chunk_id: int
    count: int
    created_at: datetime
    row_version: str


class ChunkCache:
    """The cache as one read session uses it: :func:`for_session` makes it."""

    def __init__(self, store: Store, database: str) -> None:
        self._store = store
        self._database = database

    def _names(self, version: ChunkVersion) -> tuple[str, str]:
        facts = "|".join(
            (
                self._database,
                str(version.chunk_id),
                str(version.count),
                version.created_at.isoformat(),
                version.row_version,
            )
        )
        digest = hashlib.blake2b(facts.encode(), digest_size=16).hexdigest()
        key = f"{dataset_key_prefix(version.dataset_id)}c{version.chunk_id}_{digest}"
        return space_owner(version.space_id), key

    def read(
        self,
        version: ChunkVersion,
        nbytes: int,
        load: Callable[[], npt.NDArray[np.float32]],
    ) -> npt.NDArray[np.float32]:
        """The chunk's float32 values: the cached file mapped when it checks out, else
        ``load()`` (the database), kept for next time."""
        owner, key = self._names(version)
        try:
            entry = caches.find(self._store, caches.CHUNKS, owner, key, digest=checksum)
        except OSError:  # no cache folder to be had (a read-only data dir): the database
            entry = None
        if entry is not None:
            mapped = _checked_map(entry, nbytes)
            if mapped is not None:
                return mapped
            entry.drop()
        vectors = load()
        if vectors.nbytes == nbytes:
            self._keep(owner, key, vectors)
        return vectors

    def _keep(self, owner: str, key: str, vectors: npt.NDArray[np.float32]) -> None:
        try:
            caches.write(
                self._store,
                caches.CHUNKS,
                owner,
                key,
                {PART: np.ascontiguousarray(vectors).data.cast("B")},
                {},
                max_bytes=self._store.settings.vector_cache_bytes,
                digest=checksum,
            )
        except OSError as error:  # a full or read-only disk: the read itself goes on
            _log.warning("could not keep a copy of vector chunk %s: %s", key, error)


def _checked_map(entry: caches.Entry, nbytes: int) -> npt.NDArray[np.float32] | None:
    """The entry's file mapped, when it has the expected size and checksum."""
    try:
        mapped = np.memmap(entry.path(PART), dtype=F32, mode="r")
    except (OSError, ValueError):  # gone meanwhile (bound, delete), or empty
        return None
    if mapped.nbytes != nbytes or checksum(mapped) != entry.files[PART][1]:
        return None
    return mapped


def for_session(store: Store, session: Session) -> ChunkCache | None:
    """The cache for this session's reads of inline chunks; None on SQLite, with
    ``vector_cache_bytes`` 0, or when the database's identity cannot be read."""
    if store.is_sqlite or store.settings.vector_cache_bytes <= 0:
        return None
    database = _database_identity(session)
    return None if database is None else ChunkCache(store, database)


def remove_spaces_after_commit(store: Store, session: Session, space_ids: Iterable[int]) -> None:
    """The copies of these spaces' chunks go once the session commits (they are deleted)."""
    if not store.is_sqlite:
        caches.remove_after_commit(
            store, session, caches.CHUNKS, [space_owner(i) for i in space_ids]
        )


def remove_datasets_after_commit(
    store: Store, session: Session, dataset_ids: Iterable[int]
) -> None:
    """The copies of these datasets' chunks, in every space, go once the session commits."""
    if not store.is_sqlite:
        caches.remove_keys_after_commit(
            store, session, caches.CHUNKS, [dataset_key_prefix(i) for i in dataset_ids]
        )


def sweep(store: Store, alive_space_ids: set[int], *, grace_seconds: float) -> int:
    """At start: remove the copies of spaces deleted while this process was down."""
    if store.is_sqlite:
        return 0
    alive = {space_owner(i) for i in alive_space_ids}
    return caches.sweep(store, caches.CHUNKS, alive, grace_seconds=grace_seconds)
