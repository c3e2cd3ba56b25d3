"""Caches of derived data as files under ``<data_dir>/cache/<kind>``: bytes that are costly
to make from the database and cheap to make again (a map's encoded points).

A cache entry is a set of files named by its owner and key, written so that readers never
see half of one: each data file is written under a temporary name and renamed, then a small
manifest (JSON: the data files with their BLAKE2 digests, and the caller's facts) is
renamed into place last, which is what makes the entry exist. A reader checks a data file
against its digest; one that does not match (a disk that lost bytes, a hand-edited file)
is dropped with its entry, and the caller makes it again: a cache is never the only copy
of anything, and never served corrupt.

An entry's last use is its manifest's modification time, touched on every hit (one cheap
system call). A kind may keep a few entries per owner (``keep``: the most recently used
stay) and may be bounded in bytes (``max_bytes``): a write that takes the kind's folder
over the bound drops its least recently used entries until it is back under
:data:`LOW_WATER` of it. Each process counts what it writes since it last listed the
folder, and lists it again when a write may cross the bound or after a tenth of the bound
(what other processes wrote shows only in a listing), so several processes sharing a
folder exceed the bound by at most about a tenth of it each.

Entries are removed with what they derive from after that delete commits (a rolled-back
delete loses nothing), and at start when their owner is gone (``sweep``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from chroma.db.store import Store

MANIFEST = ".json"
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
"""Entry names: no dots, so a file's entry is the part of its name before the first dot."""
LOW_WATER = 0.9
"""A bounded kind, once over its bound, drops entries until it holds this share of it (so
the next writes do not each list the folder again)."""

POINTS = "points"
"""A map's encoded points (``services/points.py``), owned by the map."""
IMAGES = "images"
"""Datapoints' thumbnails and fetched images (``services/resources.py``), owned by their
dataset and bounded by ``Settings.image_cache_bytes``."""
CHUNKS = "chunks"
"""This machine's copies of vector chunks kept in the database (``db/chunk_cache.py``),
owned by their space and bounded by ``Settings.vector_cache_bytes``."""

Digest = Callable[[bytes | memoryview], str]


def map_owner(projection_id: int) -> str:
    return f"p{projection_id}"


def remove_maps_after_commit(store: Store, session: Session, projection_ids: Iterable[int]) -> None:
    """Every cache entry of these maps goes once the session commits (they are deleted)."""
    remove_after_commit(store, session, POINTS, [map_owner(i) for i in projection_ids])


def dataset_owner(dataset_id: int) -> str:
    return f"d{dataset_id}"


def remove_datasets_after_commit(
    store: Store, session: Session, dataset_ids: Iterable[int]
) -> None:
    """Every image cache entry of these datasets goes once the session commits."""
    remove_after_commit(store, session, IMAGES, [dataset_owner(i) for i in dataset_ids])


def cache_dir(store: Store, kind: str) -> Path:
    path = store.settings.data_dir / "cache" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def _digest(data: bytes | memoryview) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _write_atomically(path: Path, data: bytes | memoryview) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Entry:
    """A cache entry found by :func:`find`: its manifest's facts and its data files."""

    directory: Path
    name: str
    facts: dict[str, Any]
    files: dict[str, tuple[str, str]]
    """part -> (file name, digest)."""
    digest: Digest = _digest
    """How the digests were made (the kind's own, given to :func:`write` and :func:`find`)."""

    def path(self, part: str) -> Path:
        """The part's file, for a caller that maps it and checks it against its digest."""
        return self.directory / self.files[part][0]

    def read(self, part: str) -> bytes | None:
        """The part's bytes, checked against their digest; None (and the entry dropped)
        when missing or corrupt."""
        file_name, digest = self.files[part]
        try:
            data = (self.directory / file_name).read_bytes()
        except OSError:
            data = None
        if data is None or self.digest(data) != digest:
            self.drop()
            return None
        return data

    def drop(self) -> None:
        (self.directory / f"{self.name}{MANIFEST}").unlink(missing_ok=True)
        for file_name, _ in self.files.values():
            (self.directory / file_name).unlink(missing_ok=True)


def entry_name(owner: str, key: str) -> str:
    name = f"{owner}-{key}"
    if not _SAFE.match(name):
        raise ValueError(f"cache entry name {name!r} has unsafe characters")
    return name


def find(
    store: Store, kind: str, owner: str, key: str, *, digest: Digest = _digest
) -> Entry | None:
    """The entry, if cached (and marked used now); ``digest`` as the entry was written."""
    directory = cache_dir(store, kind)
    name = entry_name(owner, key)
    path = directory / f"{name}{MANIFEST}"
    try:
        manifest = json.loads(path.read_text())
        files = {part: (str(f[0]), str(f[1])) for part, f in manifest["files"].items()}
        entry = Entry(directory, name, dict(manifest["facts"]), files, digest)
        _mark_used(path)
        return entry
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def write(
    store: Store,
    kind: str,
    owner: str,
    key: str,
    parts: dict[str, bytes | memoryview],
    facts: dict[str, Any],
    *,
    keep: int | None = None,
    max_bytes: int | None = None,
    digest: Digest = _digest,
) -> Entry:
    """Write an entry (data files first, its manifest last), then drop the owner's least
    recently used entries beyond ``keep``, and the kind's beyond ``max_bytes`` (never this
    one: its caller is about to read it). ``digest`` makes the parts' checksums (BLAKE2 by
    default; a kind that checks large files on every read may take a cheaper one)."""
    directory = cache_dir(store, kind)
    name = entry_name(owner, key)
    files: dict[str, tuple[str, str]] = {}
    for part, data in parts.items():
        file_name = f"{name}.{part}"
        _write_atomically(directory / file_name, data)
        files[part] = (file_name, digest(data))
    manifest = {"facts": facts, "files": {p: list(f) for p, f in files.items()}}
    _write_atomically(directory / f"{name}{MANIFEST}", json.dumps(manifest).encode())
    _mark_used(directory / f"{name}{MANIFEST}")
    if keep is not None:
        _prune(directory, owner, keep)
    if max_bytes is not None:
        written = [file_name for file_name, _ in files.values()] + [f"{name}{MANIFEST}"]
        _bound(directory, _bytes_of(directory, written), max_bytes, name)
    return Entry(directory, name, facts, files, digest)


def _mark_used(manifest: Path) -> None:
    """Record the entry's use now as its manifest's time, for the least-recently-used order:
    the clock's own nanoseconds, finer than the coarse tick the kernel stamps files with."""
    now = time.time_ns()
    with contextlib.suppress(OSError):  # dropped meanwhile: nothing to order
        os.utime(manifest, ns=(now, now))


def _entries_of(directory: Path, owner: str) -> list[Path]:
    return sorted(directory.glob(f"{owner}-*{MANIFEST}"), key=lambda p: p.stat().st_mtime)


def _prune(directory: Path, owner: str, keep: int) -> None:
    for manifest in _entries_of(directory, owner)[:-keep]:
        _remove_entry(directory, manifest.name.removesuffix(MANIFEST))


def _remove_entry(directory: Path, name: str) -> None:
    for path in directory.glob(f"{name}.*"):
        path.unlink(missing_ok=True)


def remove_entries(
    store: Store, kind: str, owner: str, prefix: str, *, unless: str | None = None
) -> None:
    """Remove the owner's entries whose key starts with ``prefix``, except those whose key
    starts with ``unless`` (a datapoint's thumbnails of an image it no longer has)."""
    directory = cache_dir(store, kind)
    spared = entry_name(owner, unless) if unless is not None else None
    for path in directory.glob(f"{entry_name(owner, prefix)}*"):
        if spared is None or not path.name.startswith(spared):
            path.unlink(missing_ok=True)


def disk_bytes(stat: os.stat_result) -> int:
    """What a file takes on disk, as ``du`` counts it (a 300-byte thumbnail takes a whole
    block), and never less than its size (file systems that keep tiny files inline)."""
    return max(stat.st_size, stat.st_blocks * 512)


def _bytes_of(directory: Path, file_names: list[str]) -> int:
    total = 0
    for file_name in file_names:
        with contextlib.suppress(OSError):  # dropped meanwhile by another writer's bound
            total += disk_bytes((directory / file_name).stat())
    return total


@dataclass
class _Count:
    """A bounded folder's bytes as this process last listed them, and what it wrote since."""

    listed: int
    written: int = 0


_counts: dict[Path, _Count] = {}
_counts_lock = threading.Lock()


def _bound(directory: Path, added: int, max_bytes: int, newest: str) -> None:
    """List the folder (and drop entries) when this write may take it over the bound, or
    when this process has written a tenth of the bound since it last looked (other
    processes write there too: their bytes show only in a listing)."""
    with _counts_lock:  # one thread lists and drops; the others wait for its count
        count = _counts.get(directory)
        if count is not None:
            count.written += added
            if count.listed + count.written <= max_bytes and count.written <= max_bytes * (
                1 - LOW_WATER
            ):
                return
        _counts[directory] = _Count(_drop_least_recently_used(directory, max_bytes, newest))


def _drop_least_recently_used(directory: Path, max_bytes: int, newest: str) -> int:
    """List the folder; when it holds more than ``max_bytes``, remove whole entries, least
    recently used first, down to LOW_WATER of it; the bytes left."""
    files: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    used: dict[str, float] = {}  # the manifest's time: the entry's last use
    written: dict[str, float] = {}  # the newest data file's, for an entry with no manifest
    total = 0
    for item in os.scandir(directory):
        if item.name.startswith("."):
            continue  # a write in flight (renamed into place when done)
        try:
            stat = item.stat()
        except OSError:
            continue
        name, _, _ = item.name.partition(".")
        size = disk_bytes(stat)
        total += size
        files.setdefault(name, []).append(item.name)
        sizes[name] = sizes.get(name, 0) + size
        if item.name == f"{name}{MANIFEST}":
            used[name] = stat.st_mtime
        else:
            written[name] = max(written.get(name, 0.0), stat.st_mtime)
    if total <= max_bytes:
        return total
    target = int(max_bytes * LOW_WATER)
    # An entry with no manifest yet is being written now (young) or a crash's leftover (old).
    order = sorted((used.get(name, written.get(name, 0.0)), name) for name in files)
    for _, name in order:
        if total <= target:
            break
        if name == newest:
            continue
        for file_name in files[name]:
            (directory / file_name).unlink(missing_ok=True)
        total -= sizes[name]
    return total


def remove_after_commit(store: Store, session: Session, kind: str, owners: Iterable[str]) -> None:
    """Remove every entry of these owners once the session's transaction commits (the rows
    they were derived from are being deleted); listed then, so an entry written while the
    delete ran goes too."""
    _remove_matching_after_commit(store, session, kind, [f"{owner}-*" for owner in owners])


def remove_keys_after_commit(
    store: Store, session: Session, kind: str, key_prefixes: Iterable[str]
) -> None:
    """Remove every entry, whoever owns it, whose key starts with one of ``key_prefixes``
    once the session commits (a dataset's vector chunks, in its spaces' entries)."""
    _remove_matching_after_commit(store, session, kind, [f"*-{p}*" for p in key_prefixes])


def _remove_matching_after_commit(
    store: Store, session: Session, kind: str, patterns: list[str]
) -> None:
    if not patterns:
        return
    directory = cache_dir(store, kind)

    def _remove(_session: Session) -> None:
        for pattern in patterns:
            for path in directory.glob(pattern):
                path.unlink(missing_ok=True)

    event.listen(session, "after_commit", _remove, once=True)


def sweep(store: Store, kind: str, alive: set[str], *, grace_seconds: float) -> int:
    """Remove the files of owners no longer alive (deleted while another process cached
    them, or while this one was down) and temporary files a crash left (older than
    ``grace_seconds``: a younger one may be a write in flight); the number removed."""
    directory = cache_dir(store, kind)
    removed = 0
    now = time.time()
    for path in directory.iterdir():
        if path.name.startswith(".tmp-"):
            try:
                stale = now - path.stat().st_mtime >= grace_seconds
            except OSError:
                continue
        else:
            stale = path.name.split("-", 1)[0] not in alive
        if stale:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
