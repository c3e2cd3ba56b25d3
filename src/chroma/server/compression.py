"""HTTP compression for the big binary answers (a map's points), chosen by Accept-Encoding.

Arrow IPC bodies cannot be compressed inside the stream for the browser (apache-arrow's
JavaScript reader has no LZ4/ZSTD codecs), so the compression is HTTP's own: the browser
undoes it before ``fetch`` hands over the bytes. zstd (level 1) first: at a million points
it compresses the points in ~70 ms to ~9 bytes a point, where gzip needs ~600 ms (level 1)
for ~9.5 bytes; gzip remains for clients without zstd.
"""

from __future__ import annotations

import zlib

import zstandard

ZSTD_LEVEL = 1
GZIP_LEVEL = 1
MIN_BYTES = 1024
"""Smaller bodies go as they are: compression would save less than its headers cost."""


def _accepted(accept_encoding: str) -> dict[str, float]:
    """Codings the client takes, with their q-values (q=0 means refused)."""
    out: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name:
            out[name.strip().lower()] = q
    return out


def choose_encoding(accept_encoding: str | None) -> str | None:
    """``zstd``, ``gzip`` or None (identity), by what the client accepts."""
    accepted = _accepted(accept_encoding or "")
    for coding in ("zstd", "gzip"):
        if accepted.get(coding, accepted.get("*", 0.0)) > 0:
            return coding
    return None


def compress(body: bytes | memoryview, coding: str | None) -> tuple[bytes | memoryview, str | None]:
    """The body in ``coding`` (or as it is when small or no coding): (bytes, coding used)."""
    if coding is None or len(body) < MIN_BYTES:
        return body, None
    if coding == "zstd":
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body), "zstd"
    # gzip framing around deflate, as Content-Encoding: gzip requires.
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return packer.compress(body) + packer.flush(), "gzip"
