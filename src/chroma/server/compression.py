"""HTTP compression for the big binary answers (a map's points): which coding a client
takes, by its Accept-Encoding (the codings themselves: ``services/content_coding.py``).

Arrow IPC bodies cannot be compressed inside the stream for the browser (apache-arrow's
JavaScript reader has no LZ4/ZSTD codecs), so the compression is HTTP's own: the browser
undoes it before ``fetch`` hands over the bytes. zstd first, gzip for clients without it.
"""

from __future__ import annotations


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
