"""POST /api/v1/export: a selection of datapoints as CSV, JSON or Parquet, for download."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from chroma.core.errors import InvalidInput
from chroma.core.unicode import UNSTORABLE, unstorable_at
from chroma.core.wire import MAX_ROW_ID
from chroma.server.state import State
from chroma.services import export
from chroma.services.datapoints import DatapointFilter, MetadataEquals

router = APIRouter()

RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class MetadataTest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    equals: str | int | float | bool


class ExportFilter(BaseModel):
    """Like GraphQL's DatapointFilter: values in a list are alternatives, parts all apply."""

    model_config = ConfigDict(extra="forbid")
    datasets: list[str] | None = None
    labels: list[str] | None = None
    predictions: list[str] | None = None
    tags: list[str] | None = None
    metadata: list[MetadataTest] | None = None

    def to_service(self) -> DatapointFilter:
        return DatapointFilter(
            datasets=self.datasets,
            labels=self.labels,
            predictions=self.predictions,
            tags=self.tags,
            metadata=tuple(MetadataEquals.checked(t.field, t.equals) for t in self.metadata or ()),
        )


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        """Refuse a lone surrogate anywhere in the body before any field reads it (a
        database could not store nor look it up)."""
        where = unstorable_at(data, "body")
        if where is not None:
            raise InvalidInput(UNSTORABLE, where=where)
        return data

    project: str
    space: str
    datapoint_ids: list[RowId] | None = Field(
        None, description="the selection; with `filter` too, those of them passing it"
    )
    filter: ExportFilter | None = None
    format: Literal["csv", "parquet", "json"] = "csv"
    columns: list[str] = Field(
        default_factory=list,
        max_length=64,
        description="analysis columns to add (`analysis.<id>.<column>`, as the points take)",
    )
    projection: RowId | None = Field(None, description="add this map's x and y")


def _disposition(project: str, space: str, extension: str) -> str:
    name = f"{project}-{space}-selection.{extension}"
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"


@router.post("/export")
async def export_selection(state: State, body: ExportRequest) -> StreamingResponse:
    """The rows of a selection (``datapoint_ids``) or of a ``filter``, among the datapoints
    with a vector in ``space``: datapoint_id, key, dataset, label, prediction, score, uri,
    text, correct, original_label, tags, metadata fields, with ``projection`` x, y and
    placed, and the analysis ``columns`` asked for: the same columns in every format."""
    frame = await run_in_threadpool(
        export.export_frame,
        state.store,
        project=body.project,
        space=body.space,
        datapoint_ids=body.datapoint_ids,
        where=body.filter.to_service() if body.filter is not None else None,
        projection=body.projection,
        columns=body.columns,
    )
    return StreamingResponse(
        export.encode(frame, body.format),
        media_type=export.MEDIA_TYPES[body.format],
        headers={
            "content-disposition": _disposition(body.project, body.space, body.format),
            "x-chroma-rows": str(len(frame)),
        },
    )
