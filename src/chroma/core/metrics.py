"""What Chroma counts for Prometheus in any layer: one process's counters, in
``prometheus_client``'s default registry (which also holds the process's CPU, memory and
open files). ``server/metrics.py`` adds the HTTP metrics and the job table's, and serves
them all at ``GET /metrics``.

Each API process counts its own requests: Prometheus scrapes every process (or sums them
by ``instance``); the job metrics come from the shared database, the same on every one.
"""

from __future__ import annotations

from prometheus_client import Counter, disable_created_metrics

# The ``*_created`` series (each counter's start time) double what is sent and nobody reads
# them: Prometheus sees a restart as a counter going down.
disable_created_metrics()  # type: ignore[no-untyped-call]

INGEST_ROWS = Counter(
    "chroma_ingest_rows",
    "Datapoints written by POST /api/v1/ingest (inserted or updated).",
    ["outcome"],
)
INGEST_BYTES = Counter(
    "chroma_ingest_bytes", "Bytes of Arrow bodies accepted by POST /api/v1/ingest."
)
POINTS_CACHE = Counter(
    "chroma_points_cache_lookups",
    "Lookups of a map's encoded points in the points cache, by result (hit or miss).",
    ["result"],
)
