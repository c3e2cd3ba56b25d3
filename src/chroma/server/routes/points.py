"""GET /api/v1/points: a map's points as an Arrow IPC stream (never per-point JSON)."""

from __future__ import annotations

import pyarrow as pa
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.db.store import Store
from chroma.services.points import points_table

router = APIRouter()


def _points_stream(store: Store, projection: int, columns: list[str]) -> tuple[pa.Buffer, int]:
    """The whole stream, written by Arrow's own writer: the categorical columns need their
    dictionary messages ahead of the first batch, which ``stream_batches`` does not send."""
    table = points_table(store, projection, columns)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return sink.getvalue(), table.num_rows


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
    body, rows = await run_in_threadpool(
        _points_stream, request.app.state.store, projection, column or []
    )
    return StreamingResponse(
        iter([memoryview(body)]),
        media_type=ARROW_STREAM_MEDIA_TYPE,
        headers={"x-chroma-points": str(rows)},
    )
