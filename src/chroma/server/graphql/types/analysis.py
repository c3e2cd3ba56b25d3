"""A quality analysis of a space: its job, summary, and per-datapoint scores by page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.scalars import JSON

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.types.computed import Computed, datasets_of
from chroma.server.graphql.types.datapoint import Datapoint
from chroma.server.graphql.types.dataset import Dataset
from chroma.services.analyses import AnalysisRecord
from chroma.services.analyses.rows import MAX_PAGE_SIZE, RowsPage, analysis_rows

if TYPE_CHECKING:
    pass

DEFAULT_ROWS = 50


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
class Analysis(Computed):
    kind: str
    summary: JSON | None = strawberry.field(
        description="What the analysis found as a whole (depends on the kind)."
    )
    row_count: int = strawberry.field(description="Datapoints scored.")
    columns: list[str] = strawberry.field(description="The per-datapoint columns it writes.")
    auto_refresh: bool = strawberry.field(
        description="Computed again by itself once stale, after ingest settles (default on)."
    )
    reference_dataset_ids: strawberry.Private[list[int] | None]

    @classmethod
    def of(cls, record: AnalysisRecord) -> Analysis:
        return cls(
            **Computed.common(record),
            kind=record.kind,
            summary=JSON(record.summary) if record.summary is not None else None,
            row_count=record.row_count,
            columns=record.columns,
            auto_refresh=record.auto_refresh,
            reference_dataset_ids=record.reference_dataset_ids,
        )

    @described.field(
        "Whether its result was computed before the latest data: rows of the datasets it "
        "reads were logged, corrected or deleted since (false until it has a result)."
    )
    async def stale(self, info: Info) -> bool:
        return await info.context.loaders.analysis_stale.load(self.result_id)

    @described.field("What the scores are measured against; null when the kind uses none.")
    async def reference_datasets(self, info: Info) -> list[Dataset] | None:
        return await datasets_of(info, self.reference_dataset_ids)

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
            self.result_id,
            first=first,
            offset=offset,
            order_by=order_by,
            descending=descending,
            datasets=datasets,
        )
        return AnalysisRowPage.of(page)
