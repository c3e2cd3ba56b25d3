"""The artifact store: the one durable home of files too large for a database row (a
space's neighbour index, its delta and its kNN graph), named by ``Settings.artifact_store``
(ADR 0014). Two strategies behind one interface, chosen by that setting:

- :class:`FolderArtifacts`, a folder: the data dir by default (one machine), or a volume
  every API process and worker mounts. Files are written and read in place.
- :class:`ObjectArtifacts`, an object store (``s3://bucket/prefix``, ``gs://``, ``az://``,
  through obstore): a file is written under this machine's data dir, uploaded before the
  transaction that names it commits, and downloaded by any other machine that needs it.

Artifact names are never reused (each save writes a fresh name, ``db/indexes.py``), so a
local copy is a cache keyed by version: it is never stale, only unreferenced, and then
swept like any other file no row names. A reader never sees half a file: the folder's
writer fsyncs before its commit, an upload is one object put, a download lands under a
temporary name and is renamed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from chroma.core.errors import StorageUnavailable
from chroma.core.urls import mask_url
from chroma.settings import Settings

ORPHAN_GRACE_SECONDS = 3600.0
"""An object no row names is removed by the start-up sweep once it is this old. Claims
(``db/files.py``) are file locks on one machine and cannot protect another machine's
upload, which lands moments before its commit; an hour is far longer than that moment."""
DOWNLOAD_CHUNK = 8 << 20
OBJECT_SCHEMES = frozenset({"s3", "s3a", "gs", "az", "azure", "abfs", "abfss", "memory"})
"""Stores that can list and delete (an ``http(s)://`` store cannot); ``memory`` lives in
one process and serves tests only."""


class ArtifactMissing(StorageUnavailable):
    """A row names an artifact the store does not hold (lost, or removed by hand)."""


class Artifacts(Protocol):
    remote: bool
    """Whether the store is elsewhere than this machine's disk (local files are caches)."""

    def folder(self, kind: str) -> Path:
        """This machine's folder for ``kind``: new files are written there, and (for a
        remote store) the copies downloaded are kept there."""
        ...

    def publish(self, kind: str, path: Path) -> None:
        """Make a written, fsynced file of ``folder(kind)`` durable in the store."""
        ...

    def fetch(self, kind: str, name: str) -> Path:
        """A local path holding the artifact, downloading it on a miss."""
        ...

    def remove(self, kind: str, names: Iterable[str]) -> None:
        """Remove the artifacts from the store and this machine (missing ones are fine)."""
        ...

    def stored(self, kind: str) -> Iterator[tuple[str, float]]:
        """Names of ``kind`` in the remote store with their ages in seconds (nothing for
        a folder: its files are swept as local files)."""
        ...

    def describe(self) -> str:
        """Where the store is, for people (credentials never shown)."""
        ...


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


class FolderArtifacts:
    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, kind: str) -> Path:
        return _made(self.root / kind)

    def publish(self, kind: str, path: Path) -> None:
        pass  # written in place and fsynced by its writer

    def fetch(self, kind: str, name: str) -> Path:
        path = self.folder(kind) / name
        if not path.is_file():
            raise ArtifactMissing(
                f"the artifact store {self.root} has lost this file: rebuild what needs it",
                where=f"{kind}/{name}",
            )
        return path

    def remove(self, kind: str, names: Iterable[str]) -> None:
        folder = self.folder(kind)
        for name in names:
            (folder / name).unlink(missing_ok=True)

    def stored(self, kind: str) -> Iterator[tuple[str, float]]:
        return iter(())

    def describe(self) -> str:
        return str(self.root)


class ObjectArtifacts:
    remote = True

    def __init__(self, url: str, cache_root: Path) -> None:
        try:
            import obstore.store
        except ImportError as error:  # pragma: no cover - the extra is part of dev
            raise ValueError(
                f"CHROMA_ARTIFACT_STORE={mask_url(url)} needs the object-store "
                "extra: pip install 'chroma-embeddings[object-store]'"
            ) from error
        try:
            self._store: Any = obstore.store.from_url(url)
        except Exception as error:  # obstore's errors name the URL and what is wrong
            raise ValueError(
                f"CHROMA_ARTIFACT_STORE={mask_url(url)} is not a usable object store URL: {error}"
            ) from error
        self.url = url
        self.cache_root = cache_root

    def folder(self, kind: str) -> Path:
        return _made(self.cache_root / kind)

    def publish(self, kind: str, path: Path) -> None:
        import obstore

        with self._answering("could not upload to", f"{kind}/{path.name}"), open(path, "rb") as f:
            obstore.put(self._store, f"{kind}/{path.name}", f)

    @contextlib.contextmanager
    def _answering(self, doing: str, where: str) -> Iterator[None]:
        """The store's own errors (network, credentials, a missing bucket) as one that says
        which store and which file."""
        from obstore.exceptions import BaseError

        try:
            yield
        except (BaseError, FileNotFoundError) as error:
            if isinstance(error, FileNotFoundError):
                raise ArtifactMissing(
                    f"the artifact store {self.describe()} has lost this file: rebuild what "
                    "needs it",
                    where=where,
                ) from error
            reason = " ".join(str(error).split())[:300]
            raise StorageUnavailable(
                f"{doing} the artifact store {self.describe()}: {reason}", where=where
            ) from error

    def fetch(self, kind: str, name: str) -> Path:
        import obstore

        path = self.folder(kind) / name
        if path.is_file():
            return path
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".download-")
        try:
            with (
                os.fdopen(fd, "wb") as f,
                self._answering("could not download from", f"{kind}/{name}"),
            ):
                result = obstore.get(self._store, f"{kind}/{name}")
                for chunk in result.stream(min_chunk_size=DOWNLOAD_CHUNK):
                    f.write(chunk)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return path

    def remove(self, kind: str, names: Iterable[str]) -> None:
        import obstore

        names = list(names)
        if not names:
            return
        with self._answering("could not remove files from", kind):
            obstore.delete(self._store, [f"{kind}/{name}" for name in names])
        folder = self.folder(kind)
        for name in names:
            (folder / name).unlink(missing_ok=True)

    def stored(self, kind: str) -> Iterator[tuple[str, float]]:
        import obstore

        now = time.time()
        with self._answering("could not list", kind):
            batches = list(obstore.list(self._store, prefix=f"{kind}/"))
        for batch in batches:
            for meta in batch:
                name = str(meta["path"]).rpartition("/")[2]
                yield name, now - meta["last_modified"].timestamp()

    def describe(self) -> str:
        return mask_url(self.url)


def open_artifacts(settings: Settings) -> Artifacts:
    """The artifact store the settings name; a ``ValueError`` that says what is wrong for
    a store that cannot work (before anything is written)."""
    folder = settings.artifact_folder
    if folder is not None:
        return FolderArtifacts(folder)
    url = settings.artifact_store
    assert url is not None
    scheme = url.partition("://")[0].lower()
    if scheme not in OBJECT_SCHEMES:
        raise ValueError(
            f"CHROMA_ARTIFACT_STORE={mask_url(url)}: {scheme}:// is not a store "
            "Chroma can use; give a folder, or an s3://, gs:// or az:// URL"
        )
    if settings.vectors_in_files and not settings.is_sqlite:
        raise ValueError(
            "CHROMA_VECTOR_STORAGE=files keeps vectors in a folder every process reads; "
            "with an object store as CHROMA_ARTIFACT_STORE, keep them in the database "
            "(CHROMA_VECTOR_STORAGE=database, the default for PostgreSQL)"
        )
    return ObjectArtifacts(url, settings.data_dir)
