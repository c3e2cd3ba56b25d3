"""GET /api/v1/analysis-rows: an analysis's scores with their datapoints, as Arrow IPC."""

from __future__ import annotations

import pyarrow as pa
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE, MAX_ROW_ID
from chroma.server.state import State
from chroma.services.analyses.rows import analysis_table
from chroma.services.store import Store

router = APIRouter()


def _rows_stream(
    store: Store,
    analysis: int,
    order_by: str | None,
    descending: bool | None,
    datasets: list[str] | None,
) -> tuple[pa.Buffer, int]:
    table = analysis_table(
        store, analysis, order_by=order_by, descending=descending, datasets=datasets
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return sink.getvalue(), table.num_rows


@router.get("/analysis-rows")
async def read_analysis_rows(
    state: State,
    analysis: int = Query(..., ge=1, le=MAX_ROW_ID, description="analysis id"),
    order_by: str | None = Query(None, description="a column; default: the kind's main score"),
    descending: bool | None = Query(None, description="default: the column's natural order"),
    dataset: list[str] | None = Query(None, description="only these datasets (repeat)"),
) -> StreamingResponse:
    """Columns ``datapoint_id``, ``key``, ``dataset``, ``label``, ``prediction``, ``score``
    and the analysis's own (lists of datapoint ids, such as ``evidence``, as client keys)."""
    body, rows = await run_in_threadpool(
        _rows_stream, state.store, analysis, order_by, descending, dataset
    )
    return StreamingResponse(
        iter([memoryview(body)]),
        media_type=ARROW_STREAM_MEDIA_TYPE,
        headers={"x-chroma-rows": str(rows)},
    )
