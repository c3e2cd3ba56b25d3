"""A quality analysis of a space: its job, summary, and per-datapoint scores by page."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.server.graphql.types.datapoint import Datapoint
from chroma.server.graphql.types.dataset import Dataset
from chroma.server.graphql.types.job import Job
from chroma.services.analyses import AnalysisRecord
from chroma.services.analysis_rows import MAX_PAGE_SIZE, RowsPage, analysis_rows

if TYPE_CHECKING:
    from chroma.server.graphql.types.space import Space

DEFAULT_ROWS = 50


@strawberry.enum(description="Whether an analysis has a result to read.")
class AnalysisState(Enum):
    READY = "ready"
    QUEUED = "queued"
    COMPUTING = "computing"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.type(description="One datapoint's result in an analysis.")
class AnalysisRow:
    datapoint: Datapoint
    values: JSON = strawberry.field(
        description="The analysis's columns for this datapoint (a JSON object; NaN as null, "
        "`evidence` as datapoint ids)."
    )


@strawberry.type(description="A page of an analysis's rows, in the order asked for.")
class AnalysisRowPage:
    total_count: int = strawberry.field(description="Rows matching the datasets filter.")
    items: list[AnalysisRow]

    @classmethod
    def of(cls, page: RowsPage) -> AnalysisRowPage:
        return cls(
            total_count=page.total,
            items=[
                AnalysisRow(datapoint=Datapoint.of(record), values=JSON(values))
                for record, values in zip(page.records, page.values, strict=True)
            ],
        )


@strawberry.type(
    description=(
        "A quality analysis of a space (class_distance, mislabels, outliers, duplicates, "
        "clusters, label_next): a job that scores every datapoint. Its scores are `rows` here, "
        "or a colour column of the points endpoint (`column=analysis.<id>.<column>`)."
    )
)
class Analysis:
    id: strawberry.ID
    kind: str
    state: AnalysisState = strawberry.field(
        description="READY once a result exists (also while it is recomputed)."
    )
    params: JSON = strawberry.field(description="Every parameter, defaults filled in.")
    summary: JSON | None = strawberry.field(
        description="What the analysis found as a whole (depends on the kind)."
    )
    error: str | None = strawberry.field(description="Why its last computation failed.")
    row_count: int = strawberry.field(description="Datapoints scored.")
    columns: list[str] = strawberry.field(description="The per-datapoint columns it writes.")
    created_at: datetime
    computed_at: datetime | None
    analysis_id: strawberry.Private[int]
    space_id: strawberry.Private[int]
    dataset_ids: strawberry.Private[list[int] | None]
    reference_dataset_ids: strawberry.Private[list[int] | None]
    job_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, record: AnalysisRecord) -> Analysis:
        return cls(
            id=to_id(record.id),
            kind=record.kind,
            state=AnalysisState(record.state),
            params=JSON(record.params),
            summary=JSON(record.summary) if record.summary is not None else None,
            error=record.error,
            row_count=record.row_count,
            columns=record.columns,
            created_at=record.created_at,
            computed_at=record.computed_at,
            analysis_id=record.id,
            space_id=record.space_id,
            dataset_ids=record.dataset_ids,
            reference_dataset_ids=record.reference_dataset_ids,
            job_id=record.job_id,
        )

    @described.field("The datasets analysed; null: every dataset of the space.")
    async def datasets(self, info: Info) -> list[Dataset] | None:
        return await _datasets(info, self.dataset_ids)

    @described.field("What the scores are measured against; null when the kind uses none.")
    async def reference_datasets(self, info: Info) -> list[Dataset] | None:
        return await _datasets(info, self.reference_dataset_ids)

    @described.field("Its latest computation (null once that job row is gone).")
    async def job(self, info: Info) -> Job | None:
        if self.job_id is None:
            return None
        record = await info.context.loaders.job.load(self.job_id)
        return Job.of(record) if record is not None else None

    @described.field("The space it analyses.")
    async def space(
        self, info: Info
    ) -> Annotated[Space, strawberry.lazy("chroma.server.graphql.types.space")] | None:
        from chroma.server.graphql.types.space import Space

        record = await info.context.loaders.space.load(self.space_id)
        return Space.of(record) if record is not None else None

    @described.field(
        f"Its rows with their datapoints: `first` (at most {MAX_PAGE_SIZE}) from `offset`, "
        "ordered by `orderBy` (a column; default: the kind's main score, most suspicious "
        "first), nulls and NaN last; only datapoints of `datasets` when given."
    )
    async def rows(
        self,
        info: Info,
        first: int = DEFAULT_ROWS,
        offset: int = 0,
        order_by: str | None = None,
        descending: bool | None = None,
        datasets: list[str] | None = None,
    ) -> AnalysisRowPage:
        page = await offload.read(
            info.context.store,
            analysis_rows,
            self.analysis_id,
            first=first,
            offset=offset,
            order_by=order_by,
            descending=descending,
            datasets=datasets,
        )
        return AnalysisRowPage.of(page)


async def _datasets(info: Info, dataset_ids: list[int] | None) -> list[Dataset] | None:
    if dataset_ids is None:
        return None
    records = await info.context.loaders.dataset_or_none.load_many(dataset_ids)
    return [Dataset.of(r) for r in records if r is not None]
