"""A datapoint's image, thumbnail and text for the browser, with HTTP caching (ETag).

A remote image is awaited on the event loop while the fetch pool fetches it: waiting
requests hold no thread of the API's pool, so hanging image hosts cannot starve it.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from chroma.core.wire import MAX_ROW_ID
from chroma.server.etags import client_has, quoted
from chroma.server.state import ServerState, State
from chroma.services import resources

router = APIRouter()

# The image behind a datapoint rarely changes; when it does, its ETag does too. Browsers
# reuse what they have for a while, then ask again with If-None-Match (a 304 is cheap).
CACHE_CONTROL = "private, max-age=3600"
DATAPOINT_ID = Path(..., ge=1, le=MAX_ROW_ID, description="the datapoint's id")


def _cached(request: Request, body: bytes, media_type: str, etag: str) -> Response:
    headers = {"etag": quoted(etag), "cache-control": CACHE_CONTROL}
    if client_has(request, quoted(etag)):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def _image(state: ServerState, datapoint_id: int) -> resources.ImageBytes:
    found = await run_in_threadpool(resources.locate_image, state.store, datapoint_id)
    if isinstance(found, resources.RemoteImage):
        return await resources.fetch_remote(state.store, found)
    return found


@router.get("/datapoints/{datapoint_id}/image", response_class=Response)
async def datapoint_image(
    request: Request, state: State, datapoint_id: int = DATAPOINT_ID
) -> Response:
    """The datapoint's image at full size: its inline bytes, else the file or URL in its
    ``uri`` (local files only under ``CHROMA_IMAGE_ROOTS``, remote ones only from
    ``CHROMA_IMAGE_FETCH_HOSTS``)."""
    image = await _image(state, datapoint_id)
    return _cached(request, image.data, image.media_type, image.digest[:32])


@router.get("/datapoints/{datapoint_id}/thumbnail", response_class=Response)
async def datapoint_thumbnail(
    request: Request,
    state: State,
    datapoint_id: int = DATAPOINT_ID,
    size: int = Query(
        128,
        ge=8,
        le=1024,
        description="longest side, in pixels; served as the first of 64, 128, 256, 512 "
        "and 1024 at least this large (the browser scales it down)",
    ),
    format: Literal["png", "jpeg", "webp"] | None = Query(
        None, description="default: the source's own format when PNG/JPEG/WebP, else PNG"
    ),
) -> Response:
    """A thumbnail whose longest side is at most the fixed size serving ``size`` (small
    images grow by whole factors with nearest-neighbour sampling, so they stay crisp);
    cached on disk, a few sizes and formats per image, within ``CHROMA_IMAGE_CACHE_BYTES``."""
    image = await _image(state, datapoint_id)
    thumbnail = await run_in_threadpool(resources.load_thumbnail, state.store, image, size, format)
    return _cached(request, thumbnail.data, thumbnail.media_type, thumbnail.etag)


@router.get("/datapoints/{datapoint_id}/text", response_class=Response)
async def datapoint_text(state: State, datapoint_id: int = DATAPOINT_ID) -> Response:
    """The datapoint's inline text (UTF-8 plain text)."""
    text = await run_in_threadpool(resources.load_text, state.store, datapoint_id)
    return Response(text, media_type="text/plain; charset=utf-8")
