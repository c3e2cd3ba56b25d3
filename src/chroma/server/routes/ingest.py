"""POST /api/v1/ingest: one Arrow IPC stream of datapoints + vectors per request."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from chroma.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMedia
from chroma.core.metrics import INGEST_BYTES, INGEST_ROWS
from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.jobs.runner import hand_over
from chroma.server.auth import Acting
from chroma.server.state import ServerState, State
from chroma.services import catalog, jobs
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import IngestLimits, read_arrow_stream, validate
from chroma.services.refresh import space_id_of

router = APIRouter()


async def read_body_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes.

    A body compressed with HTTP's Content-Encoding is refused (the server would have to
    inflate it, past any limit on the bytes sent): compress inside the Arrow stream, whose
    buffers are bounded by the limit once decompressed (``services/arrow_size.py``).
    """
    coding = request.headers.get("content-encoding", "identity").strip().lower()
    if coding not in ("", "identity"):
        raise UnsupportedMedia(
            f"Content-Encoding {coding!r} is not accepted: send the Arrow stream as it is "
            "(its buffers may be compressed: Arrow IPC's own zstd or lz4)",
            where="content-encoding",
        )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidInput("Content-Length is not a number", where="content-length")
        if int(declared) > limit:
            raise PayloadTooLarge(
                f"the body is {int(declared)} bytes, over the limit of {limit} "
                "(CHROMA_MAX_REQUEST_BYTES); send smaller batches",
                where="body",
            )
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise PayloadTooLarge(
                f"the body exceeds the limit of {limit} bytes (CHROMA_MAX_REQUEST_BYTES)",
                where="body",
            )
        parts.append(part)
    return b"".join(parts)


INGEST_BODY = {
    "requestBody": {
        "required": True,
        "description": "One Apache Arrow IPC stream: key, vector and optional columns "
        "(chroma/core/wire.py); its buffers may be compressed (zstd, lz4), the body not.",
        "content": {ARROW_STREAM_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
"""The body, for ``/openapi.json``: the route reads it itself (under the size limit)."""


@router.post("/ingest", openapi_extra=INGEST_BODY)
async def ingest_batch(
    request: Request,
    state: State,
    who: Acting,
    project: str = Query(..., description="project name"),
    dataset: str = Query(..., description="dataset name"),
    space: str = Query(..., description="embedding space name"),
    create: bool = Query(True, description="create the project/dataset/space if missing"),
    space_model: str | None = Query(None, description="model that made the vectors (new space)"),
    space_layer: str | None = Query(None, description="layer that made the vectors (new space)"),
) -> dict[str, int]:
    store = state.store
    catalog.check_space_source(space_model, space_layer)
    body = await read_body_limited(request, store.settings.max_request_bytes)
    limits = IngestLimits.of(store.settings)

    def _work() -> dict[str, int]:
        batch = validate(read_arrow_stream(body, limits), limits)
        settings = state.settings
        result = ingest(
            store,
            batch,
            project=project,
            dataset=dataset,
            space=space,
            create=create,
            space_model=space_model,
            space_layer=space_layer,
            # Queued in the batch's own commit: a second transaction would wait for
            # SQLite's write lock once more for every batch.
            refresh_delay=settings.auto_jobs_delay if settings.auto_jobs else None,
            logged_by=who,
        )
        for job in result.queued:
            if job.new:
                hand_over(state.runner, job.job_id, delay_seconds=settings.auto_jobs_delay)
        INGEST_ROWS.labels("inserted").inc(result.inserted)
        INGEST_ROWS.labels("updated").inc(result.updated)
        INGEST_BYTES.inc(len(body))
        return result.answer()

    # Parsing and writing a batch is blocking work: keep it off the event loop.
    return await run_in_threadpool(_work)


def _schedule_refresh(state: ServerState, space_id: int, delay: float) -> None:
    """Index and map the space's new points ``delay`` seconds from now (moving a refresh
    already waiting: many batches in a row make one)."""
    with state.store.write() as session:
        job_id, new = jobs.schedule_debounced(
            session, jobs.JobKind.REFRESH, space_id=space_id, delay_seconds=delay
        )
    # A waiting refresh pushed back needs no word (its runner finds it postponed); one
    # brought forward does, or a Celery message would still wait for the old time.
    if new or delay == 0:
        hand_over(state.runner, job_id, delay_seconds=delay)


@router.post("/refresh")
async def refresh_now(
    state: State,
    project: str = Query(..., description="project name"),
    space: str = Query(..., description="embedding space name"),
) -> dict[str, bool]:
    """The client has logged what it had (the SDK's ``flush``): update the space's index and
    maps now instead of after the quiet period (``CHROMA_AUTO_JOBS_DELAY``)."""

    def _work() -> bool:
        if not state.settings.auto_jobs:
            return False
        with state.store.read() as session:
            space_id = space_id_of(session, project, space)
        _schedule_refresh(state, space_id, 0.0)
        return True

    return {"scheduled": await run_in_threadpool(_work)}
