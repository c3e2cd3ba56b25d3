"""Caches of derived data as files under ``<data_dir>/cache/<kind>``: bytes that are costly
to make from the database and cheap to make again (a map's encoded points).

A cache entry is a set of files named by its owner and key, written so that readers never
see half of one: each data file is written under a temporary name and renamed, then a small
manifest (JSON: the data files with their BLAKE2 digests, and the caller's facts) is
renamed into place last, which is what makes the entry exist. A reader checks a data file
against its digest; one that does not match (a disk that lost bytes, a hand-edited file)
is dropped with its entry, and the caller makes it again: a cache is never the only copy
of anything, and never served corrupt.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chroma.db.store import Store
from chroma.db.vectors import remove_files_after_commit

MANIFEST = ".json"
_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")

POINTS = "points"
"""A map's encoded points (``services/points.py``), owned by the map."""


def map_owner(projection_id: int) -> str:
    return f"p{projection_id}"


def remove_maps_after_commit(store: Store, session: Session, projection_ids: Iterable[int]) -> None:
    """Every cache entry of these maps goes once the session commits (they are deleted)."""
    remove_after_commit(store, session, POINTS, [map_owner(i) for i in projection_ids])


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

    def read(self, part: str) -> bytes | None:
        """The part's bytes, checked against their digest; None (and the entry dropped)
        when missing or corrupt."""
        file_name, digest = self.files[part]
        try:
            data = (self.directory / file_name).read_bytes()
        except OSError:
            data = None
        if data is None or _digest(data) != digest:
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


def find(store: Store, kind: str, owner: str, key: str) -> Entry | None:
    directory = cache_dir(store, kind)
    name = entry_name(owner, key)
    try:
        manifest = json.loads((directory / f"{name}{MANIFEST}").read_text())
        files = {part: (str(f[0]), str(f[1])) for part, f in manifest["files"].items()}
        return Entry(directory, name, dict(manifest["facts"]), files)
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
    keep: int,
) -> Entry:
    """Write an entry (data files first, its manifest last), then drop the owner's older
    entries beyond the ``keep`` newest."""
    directory = cache_dir(store, kind)
    name = entry_name(owner, key)
    files: dict[str, tuple[str, str]] = {}
    for part, data in parts.items():
        file_name = f"{name}.{part}"
        _write_atomically(directory / file_name, data)
        files[part] = (file_name, _digest(data))
    manifest = {"facts": facts, "files": {p: list(f) for p, f in files.items()}}
    _write_atomically(directory / f"{name}{MANIFEST}", json.dumps(manifest).encode())
    _prune(directory, owner, keep)
    return Entry(directory, name, facts, files)


def _entries_of(directory: Path, owner: str) -> list[Path]:
    return sorted(directory.glob(f"{owner}-*{MANIFEST}"), key=lambda p: p.stat().st_mtime)


def _prune(directory: Path, owner: str, keep: int) -> None:
    for manifest in _entries_of(directory, owner)[:-keep]:
        _remove_entry(directory, manifest.name.removesuffix(MANIFEST))


def _remove_entry(directory: Path, name: str) -> None:
    for path in directory.glob(f"{name}.*"):
        path.unlink(missing_ok=True)


def remove_after_commit(store: Store, session: Session, kind: str, owners: Iterable[str]) -> None:
    """Remove every entry of these owners once the session's transaction commits (the rows
    they were derived from are being deleted)."""
    directory = cache_dir(store, kind)
    paths = [path for owner in owners for path in directory.glob(f"{owner}-*")]
    remove_files_after_commit(session, paths)


def sweep(store: Store, kind: str, alive: set[str]) -> int:
    """Remove the files of owners no longer alive (deleted while another process cached
    them) and temporary files left by a crash; the number of files removed."""
    directory = cache_dir(store, kind)
    removed = 0
    for path in directory.iterdir():
        owner = path.name.split("-", 1)[0]
        if path.name.startswith(".tmp-") or owner not in alive:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
