"""The spool: batches a run could not send yet wait on disk, as the exact request bodies.

A run writes a batch here only while the server does not answer and its in-memory queue
is full, and keeps here whatever it could not send when it gives up. Each run that needs
the spool gets its own folder under the spool root::

    ~/.cache/chroma/spool/20250501-120000-mnist-1a2b3c4d/
        run.json                                 where the rows go (url, project, ...)
        rows-000000040000-000000044999.arrows    one batch: its request body, as sent

A file appears under its final name only once it is complete (written, synced, renamed)
and is removed once the server acknowledged it. The bodies are Arrow IPC streams, byte for
byte what the run sends, so a resend is one more retry: the server upserts by key and a
batch stored twice is stored once. :func:`resend_spool` sends the files no live run is
sending, in logging order.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from chroma.core import wire
from chroma.core.errors import InvalidInput
from chroma.sdk._client import Client, Params, RetryPolicy, resolve_token, resolve_url

logger = logging.getLogger("chroma.sdk")

MANIFEST = "run.json"
SUFFIX = ".arrows"
SENDING = "sending"
"""A live run owns the folder and sends its files itself."""
NOT_STORED = "not-stored"
"""The run gave up on these files and said so: they are the user's to resend."""

_live_folders: set[Path] = set()
"""Folders of this process's runs that still send their own files."""


def default_spool_root() -> Path:
    """``$CHROMA_SPOOL_DIR``, else the user's cache folder: ``~/.cache/chroma/spool``
    (``$XDG_CACHE_HOME``), ``~/Library/Caches/chroma/spool`` on macOS,
    ``%LOCALAPPDATA%\\chroma\\spool`` on Windows."""
    chosen = os.environ.get("CHROMA_SPOOL_DIR")
    if chosen:
        return Path(chosen).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "chroma" / "spool"


class Spool:
    """One run's folder of batches waiting on disk; made on the first write.

    ``max_bytes`` bounds what a run spools while the server is away (beyond it ``log``
    blocks); batches kept when the run gives up are written whatever the bound.
    Thread-safe: the run's caller and its sender threads write and remove files.
    """

    def __init__(self, root: Path, manifest: Mapping[str, Any], max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._manifest = dict(manifest)
        self._lock = threading.Lock()
        self._folder: Path | None = None
        self._sizes: dict[Path, int] = {}
        self._bytes = 0
        self._handed_over = False

    @property
    def folder(self) -> Path | None:
        return self._folder

    def successor(self) -> Spool:
        """A fresh folder for the same run, once this one was handed over to the user."""
        return Spool(self.root, self._manifest, self.max_bytes)

    def has_room(self, size: int) -> bool:
        with self._lock:
            return self._bytes + size <= self.max_bytes

    def write(self, first_row: int, rows: int, body: bytes) -> Path:
        folder = self._open()
        final = folder / f"rows-{first_row:012d}-{first_row + rows - 1:012d}{SUFFIX}"
        partial = final.with_name(final.name + ".partial")
        with partial.open("wb") as sink:
            sink.write(body)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(partial, final)
        with self._lock:
            self._sizes[final] = len(body)
            self._bytes += len(body)
        return final

    def remove(self, file: Path) -> None:
        """The server acknowledged the batch: its file goes."""
        file.unlink(missing_ok=True)
        with self._lock:
            self._bytes -= self._sizes.pop(file, 0)

    def hand_over(self) -> Path | None:
        """The run gave up: mark the folder as the user's to resend; returns it."""
        with self._lock:
            folder, self._handed_over = self._folder, True
        if folder is not None:
            _live_folders.discard(folder.resolve())
            _write_manifest(folder, {**self._manifest, "state": NOT_STORED})
        return folder

    def close(self) -> None:
        """The run ends: remove its folder when nothing is left in it."""
        with self._lock:
            folder, handed_over = self._folder, self._handed_over
        if folder is None or handed_over:
            return
        _live_folders.discard(folder.resolve())
        if not any(folder.glob(f"*{SUFFIX}")):
            shutil.rmtree(folder, ignore_errors=True)

    def _open(self) -> Path:
        with self._lock:
            if self._folder is None:
                name = _safe(str(self._manifest.get("params", {}).get("project", "run")))
                stamp = time.strftime("%Y%m%d-%H%M%S")
                folder = self.root / f"{stamp}-{name}-{uuid.uuid4().hex[:8]}"
                folder.mkdir(parents=True, mode=0o700)  # embeddings can be private
                manifest = {
                    **self._manifest,
                    "state": SENDING,
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                }
                self._manifest = manifest
                _write_manifest(folder, manifest)
                _live_folders.add(folder.resolve())
                self._folder = folder
            return self._folder


def run_manifest(url: str, params: Params) -> dict[str, Any]:
    """What a spool folder records about its run: enough to resend it (never the token)."""
    return {"format": 1, "url": url, "params": dict(params)}


def resend_spool(
    path: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
    timeout: float = 60.0,
) -> int:
    """Send batches a run left in the spool to the server; each file goes once stored.

    A run leaves its batches there when it gave up waiting for the server (its
    :class:`chroma.ChromaConnectionError` names the folder) or when its process ended
    before they were sent. Files are sent in logging order, exactly as the run would have
    sent them; the server upserts by key, so a batch that was stored after all is not
    duplicated. Folders a live run is still sending from are left alone.

    Args:
        path: One run's folder (the ``spool`` of the error), or a spool root holding such
            folders. Default: every folder under the default spool root
            (``$CHROMA_SPOOL_DIR``, else the user's cache folder).
        url: Server address. Default: the one the run logged to.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds any single network operation may stall.

    Returns:
        The number of rows the server acknowledged.

    Raises:
        InvalidInput: ``path`` is neither a run's spool folder nor a folder of them.
        ChromaError: The server refused a batch or could not be reached; the files not
            sent yet stay where they are.

    Example::

        try:
            run.close()
        except chroma.ChromaConnectionError as error:
            folder = error.spool  # what was not stored: error.unsent
        # later, once a server answers:
        chroma.resend_spool(folder)
    """
    root = default_spool_root() if path is None else Path(path).expanduser()
    sent = 0
    for folder in _run_folders(root, explicit=path is not None):
        manifest = json.loads((folder / MANIFEST).read_text())
        if _in_use(folder, manifest):
            logger.warning("chroma: %s belongs to a run that is still sending; left alone", folder)
            continue
        sent += _resend_folder(folder, manifest, url=url, token=token, timeout=timeout)
    return sent


def _resend_folder(
    folder: Path, manifest: Mapping[str, Any], *, url: str | None, token: str | None, timeout: float
) -> int:
    sent = 0
    client = Client(
        resolve_url(url or manifest["url"]),
        token=resolve_token(token),
        timeout=timeout,
        retry=RetryPolicy(max_attempts=None, backoff=0.5, max_backoff=5.0, patience=60.0),
    )
    try:
        for file in sorted(folder.glob(f"*{SUFFIX}")):
            try:
                answer = client.request(
                    "POST",
                    "/api/v1/ingest",
                    params=manifest["params"],
                    content=file.read_bytes(),
                    headers={"content-type": wire.ARROW_STREAM_MEDIA_TYPE},
                ).json()
            except Exception as exc:
                exc.add_note(f"chroma: resending {file}; it and the files after it stay there")
                raise
            file.unlink()
            sent += int(answer.get("inserted", 0)) + int(answer.get("updated", 0))
    finally:
        client.close()
    shutil.rmtree(folder, ignore_errors=True)
    return sent


def _run_folders(root: Path, *, explicit: bool) -> Iterator[Path]:
    """``root`` when it is one run's folder, else the run folders in it, oldest first."""
    if (root / MANIFEST).is_file():
        yield root
        return
    if not root.is_dir():
        if explicit:
            raise InvalidInput(f"no spool folder at {root}", where="path")
        return
    folders = sorted(child for child in root.iterdir() if (child / MANIFEST).is_file())
    if explicit and not folders and any(root.iterdir()):
        raise InvalidInput(f"{root} holds no run's spool folder (no {MANIFEST})", where="path")
    yield from folders


def _in_use(folder: Path, manifest: Mapping[str, Any]) -> bool:
    """Whether a live run still sends this folder's files itself."""
    if manifest.get("state") != SENDING:
        return False
    pid = int(manifest.get("pid", -1))
    if pid == os.getpid():
        return folder.resolve() in _live_folders
    return manifest.get("host") == socket.gethostname() and _process_alive(pid)


def _process_alive(pid: int) -> bool:
    if pid <= 0 or sys.platform == "win32":  # os.kill(pid, 0) would end it there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    partial = folder / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=1))
    os.replace(partial, folder / MANIFEST)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40] or "run"
