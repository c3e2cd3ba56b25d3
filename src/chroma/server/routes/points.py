"""GET /api/v1/points: a map's points as an Arrow IPC stream (never per-point JSON).

The body is compressed with HTTP's Content-Encoding (zstd or gzip, by Accept-Encoding):
about 9 bytes a point for (id, x, y, placed, label, dataset) instead of 20. It keeps a
Content-Length (of the compressed bytes); ``x-chroma-uncompressed-bytes`` tells a client
how many bytes its reader will see, for a progress bar, and ``x-chroma-points`` the rows.
The bytes come from the points cache (``services/points.py``) and carry an ETag: a client
that already holds them gets a 304.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE, MAX_ROW_ID
from chroma.server.compression import choose_encoding
from chroma.server.etags import client_has, quoted
from chroma.server.state import State
from chroma.services.points import encoded_points

router = APIRouter()


@router.get("/points")
async def read_points(
    request: Request,
    state: State,
    projection: int = Query(..., ge=1, le=MAX_ROW_ID, description="projection set id"),
    column: list[str] | None = Query(
        None,
        description="extra columns: label, prediction, score, dataset, key, tags, "
        "metadata.<field>, analysis.<id>.<column> (repeat the parameter)",
    ),
) -> Response:
    coding = choose_encoding(request.headers.get("accept-encoding"))
    points = await run_in_threadpool(encoded_points, state.store, projection, column or [], coding)
    etag = quoted(f"{points.key}-{points.coding or 'identity'}")
    headers = {
        "x-chroma-points": str(points.rows),
        "x-chroma-uncompressed-bytes": str(points.raw_bytes),
        "vary": "accept-encoding",
        # Revalidated on every use: the same map and columns answer 304 until they change.
        "cache-control": "no-cache",
        "etag": etag,
    }
    if client_has(request, etag):
        return Response(status_code=304, headers=headers)
    if points.coding is not None:
        headers["content-encoding"] = points.coding
    return Response(points.body, media_type=ARROW_STREAM_MEDIA_TYPE, headers=headers)
