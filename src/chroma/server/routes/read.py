"""Bulk reads as Arrow IPC streams: vectors of a space, rows of datapoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import quote

import orjson
import pyarrow as pa
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE, END_OF_STREAM
from chroma.server.state import State
from chroma.services.tables import datapoints_table
from chroma.services.vectors import export_vectors, space_info

router = APIRouter()


def stream_batches(
    schema: pa.Schema, batches: Iterator[pa.RecordBatch]
) -> Iterator[bytes | memoryview]:
    """Arrow IPC stream bytes, one message at a time, without re-buffering the data."""
    yield memoryview(schema.serialize())
    for batch in batches:
        yield memoryview(batch.serialize())
    yield END_OF_STREAM


@router.get("/space")
async def read_space_info(
    state: State, project: str = Query(...), space: str = Query(...)
) -> dict[str, Any]:
    """A space's name, dimension and number of live vectors (404 when unknown)."""
    return await run_in_threadpool(space_info, state.store, project=project, space=space)


@router.get("/vectors")
async def read_vectors(
    state: State,
    project: str = Query(...),
    space: str = Query(...),
    dataset: list[str] | None = Query(None, description="limit to these datasets"),
    keys: bool = Query(True, description="include each datapoint's client key (arrow only)"),
    format: Literal["arrow", "raw"] = Query(
        "arrow",
        description="arrow: an Arrow IPC stream; raw: float32 vectors, then int64 datapoint "
        "ids, then int64 dataset ids (names in x-chroma-datasets), with a Content-Length",
    ),
) -> StreamingResponse:
    export = await run_in_threadpool(
        export_vectors,
        state.store,
        project=project,
        space=space,
        datasets=dataset,
        with_keys=keys and format == "arrow",
    )
    headers = {"x-chroma-rows": str(export.rows), "x-chroma-dimension": str(export.dimension)}
    cleanup = BackgroundTask(export.close)  # also when the stream never starts
    if format == "raw":
        headers["content-length"] = str(export.raw_length)
        names = {str(id_): name for id_, name in export.datasets.items()}
        headers["x-chroma-datasets"] = quote(orjson.dumps(names).decode())
        return StreamingResponse(
            export.raw_parts(),
            media_type="application/octet-stream",
            headers=headers,
            background=cleanup,
        )
    return StreamingResponse(
        stream_batches(export.schema, export.record_batches()),
        media_type=ARROW_STREAM_MEDIA_TYPE,
        headers=headers,
        background=cleanup,
    )


@router.get("/datapoints")
async def read_datapoints(
    state: State,
    project: str = Query(...),
    dataset: list[str] | None = Query(None, description="limit to these datasets"),
) -> StreamingResponse:
    table = await run_in_threadpool(
        datapoints_table, state.store, project=project, datasets=dataset
    )
    return StreamingResponse(
        stream_batches(table.schema, iter(table.to_batches(max_chunksize=65536))),
        media_type=ARROW_STREAM_MEDIA_TYPE,
        headers={"x-chroma-rows": str(table.num_rows)},
    )
