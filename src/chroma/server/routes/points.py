"""GET /api/v1/points: a map's points as an Arrow IPC stream (never per-point JSON).

The body is compressed with HTTP's Content-Encoding (zstd or gzip, by Accept-Encoding):
about 9 bytes a point for (id, x, y, placed, label, dataset) instead of 20. It keeps a
Content-Length (of the compressed bytes); ``x-chroma-uncompressed-bytes`` tells a client
how many bytes its reader will see, for a progress bar, and ``x-chroma-points`` the rows.
"""

from __future__ import annotations

import pyarrow as pa
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.server.compression import choose_encoding, compress
from chroma.server.state import State
from chroma.services.points import points_table
from chroma.services.store import Store

router = APIRouter()


def _points_body(
    store: Store, projection: int, columns: list[str], coding: str | None
) -> tuple[bytes | memoryview, str | None, int, int]:
    """(body, coding used, rows, uncompressed bytes). The whole stream, written by Arrow's
    own writer: the categorical columns need their dictionary messages ahead of the first
    batch, which ``stream_batches`` does not send."""
    table = points_table(store, projection, columns)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    raw = memoryview(sink.getvalue())
    body, used = compress(raw, coding)
    return body, used, table.num_rows, len(raw)


@router.get("/points")
async def read_points(
    request: Request,
    state: State,
    projection: int = Query(..., description="projection set id"),
    column: list[str] | None = Query(
        None,
        description="extra columns: label, prediction, score, dataset, key, tags, "
        "metadata.<field>, analysis.<id>.<column> (repeat the parameter)",
    ),
) -> Response:
    coding = choose_encoding(request.headers.get("accept-encoding"))
    body, used, rows, raw_bytes = await run_in_threadpool(
        _points_body, state.store, projection, column or [], coding
    )
    headers = {
        "x-chroma-points": str(rows),
        "x-chroma-uncompressed-bytes": str(raw_bytes),
        "vary": "accept-encoding",
        "cache-control": "no-store",
    }
    if used is not None:
        headers["content-encoding"] = used
    return Response(body, media_type=ARROW_STREAM_MEDIA_TYPE, headers=headers)
