"""Settings for a process whose job is to serve Chroma (called by ``chroma application run``):
its allocator (:func:`keep_large_buffers`) and its connections (:func:`uvicorn_options`).

Every ingest batch passes through a few buffers of ~15 MB (the request body, its Arrow
view, the segment write). glibc hands each such buffer out as a fresh ``mmap`` and returns
it on free, so every batch pays page faults on ~50 MB of new memory; on the 2-core VM this
was measured at 22 ms per 15 MB buffer, against 5 ms when the memory is reused. Raising the
mmap and trim thresholds keeps freed buffers in the heap for the next batch. Peak RSS is
unchanged (the same buffers exist at the same time); memory is simply not given back
between batches. Not done in the SDK: a library does not tune its host's allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 64 << 20
TRIM_THRESHOLD_BYTES = 256 << 20


def keep_large_buffers() -> bool:
    """Ask glibc to reuse large freed buffers; False where there is no glibc (musl, macOS)."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )


KEEP_ALIVE_SECONDS = 75
"""How long an idle HTTP connection stays open (uvicorn's default is 5 s).

A client that reuses a pooled connection just as the server closes it for idleness gets
"connection closed without response" for a request the server never read. Clients avoid
the race by dropping idle connections first: httpx (the SDK) after 5 s, load balancers
after 60 s (AWS ALB's default), so the server must wait longer than both.
"""
GRACEFUL_SHUTDOWN_SECONDS = 10
"""How long open requests (a large download, say) may keep a stopping server alive."""


def uvicorn_options() -> dict[str, Any]:
    """The connection settings every Chroma server runs with (the tests' servers too)."""
    return {
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
