"""GET /api/v1/points: a map's points as an Arrow IPC stream (never per-point JSON)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.server.routes.read import stream_batches
from chroma.services.points import points_table

router = APIRouter()


@router.get("/points")
async def read_points(
    request: Request,
    projection: int = Query(..., description="projection set id"),
    column: list[str] | None = Query(
        None,
        description="extra columns: label, prediction, score, dataset, key, tags, "
        "metadata.<field> (repeat the parameter)",
    ),
) -> StreamingResponse:
    table = await run_in_threadpool(points_table, request.app.state.store, projection, column or [])
    return StreamingResponse(
        stream_batches(table.schema, iter(table.combine_chunks().to_batches())),
        media_type=ARROW_STREAM_MEDIA_TYPE,
        headers={"x-chroma-points": str(table.num_rows)},
    )
