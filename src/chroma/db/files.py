"""Files a database row points at (vector segments, index files): claimed while they are in
flight, swept when no row points at them.

Such a file is written *before* the transaction that names it commits, so between the two
it is referenced by nothing, and a crash there leaves it behind for good. Age alone cannot
tell the two apart (a batch may wait long for SQLite's write lock; an index takes minutes
to write), so the writer *claims* the file: it creates it and holds an exclusive
``flock`` on it until its transaction has ended (:class:`Claim`). The kernel drops the lock
when the process dies, so a claimed file is always one a live transaction may still name,
and an unclaimed unreferenced one is an orphan, whichever process (an API server, a job
child, a Celery worker on the same disk) wrote it.

A sweep (:func:`sweep_unreferenced`) locks each candidate itself, then reads the
references again: a writer commits before it releases its claim, so whatever the second
read does not name is no one's. Files younger than a short grace are left alone all the
same (a writer that does not claim, e.g. an older version of the server beside this one).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

DEFAULT_GRACE_SECONDS = 10.0
"""Unreferenced, unclaimed files younger than this are left alone (``Settings``' default)."""
SWEEP_BATCH = 256
"""Candidates locked at once (each holds a file descriptor until the second read)."""


class ClaimLost(OSError):
    """The file was swept between its creation and its claim (a new name is tried)."""


class Claim:
    """A new file this process is writing for a transaction that has not ended yet.

    Release it once the transaction has committed or rolled back (a ``with`` block does);
    until then no sweep in any process removes it.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def name(self) -> str:
        return self.path.name

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _claim_once(path: Path) -> Claim:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A sweep may have locked and unlinked the file between our create and our lock:
        # then the name is no longer this inode, and writing to it would lose the bytes.
        if os.stat(path).st_ino != os.fstat(fd).st_ino:
            raise ClaimLost(f"{path.name} was removed before it was claimed")
    except BaseException:
        os.close(fd)
        raise
    return Claim(path, fd)


def claim_new(make_path: Callable[[], Path], *, attempts: int = 3) -> Claim:
    """Create and claim a file under a fresh name from ``make_path`` (a uuid in it): empty,
    for the caller to write (opening it again by name writes the same file)."""
    for attempt in range(attempts):
        try:
            return _claim_once(make_path())
        except (ClaimLost, FileNotFoundError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _lock_if_unclaimed(path: Path) -> int | None:
    """A descriptor holding ``path``'s lock, or None when a writer holds it (or it is gone)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def sweep_unreferenced(
    paths: Iterable[Path],
    referenced: Callable[[], set[str]],
    *,
    grace_seconds: float,
) -> int:
    """Remove the files among ``paths`` whose names ``referenced()`` (a fresh read of the
    rows, each call) does not list, unless claimed or younger than ``grace_seconds``; the
    number removed."""
    known = referenced()
    now = time.time()
    candidates: list[Path] = []
    for path in paths:
        if path.name in known:
            continue
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        if age >= grace_seconds:
            candidates.append(path)
    removed = 0
    for start in range(0, len(candidates), SWEEP_BATCH):
        locked: list[tuple[Path, int]] = []
        try:
            for path in candidates[start : start + SWEEP_BATCH]:
                fd = _lock_if_unclaimed(path)
                if fd is not None:
                    locked.append((path, fd))
            if not locked:
                continue
            # Read again under the locks: a writer that committed since the first read has
            # released its claim only after its commit, so this read names its file.
            still = referenced()
            for path, fd in locked:
                if path.name in still:
                    continue
                try:
                    if os.stat(path).st_ino == os.fstat(fd).st_ino:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    pass
        finally:
            for _, fd in locked:
                os.close(fd)
    return removed
