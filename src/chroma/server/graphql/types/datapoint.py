"""A datapoint: one logged example with its label, prediction, metadata and tags."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from chroma.server.graphql import described
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.server.graphql.types.dataset import Dataset
from chroma.services.datapoints import DatapointRecord


@strawberry.type(description="One logged example of a dataset.")
class Datapoint:
    id: strawberry.ID
    key: str = strawberry.field(description="The client's key, unique within the dataset.")
    label: str | None
    prediction: str | None
    score: float | None = strawberry.field(description="The model's score for its prediction.")
    metadata: JSON | None = strawberry.field(description="Free-form fields (a JSON object).")
    uri: str | None
    text: str | None
    has_image: bool
    created_at: datetime
    updated_at: datetime
    datapoint_id: strawberry.Private[int]
    dataset_id: strawberry.Private[int]

    @classmethod
    def of(cls, record: DatapointRecord) -> Datapoint:
        return cls(
            id=to_id(record.id),
            key=record.key,
            label=record.label,
            prediction=record.prediction,
            score=record.score,
            metadata=JSON(record.metadata),
            uri=record.uri,
            text=record.text,
            has_image=record.has_image,
            created_at=record.created_at,
            updated_at=record.updated_at,
            datapoint_id=record.id,
            dataset_id=record.dataset_id,
        )

    @strawberry.field
    async def dataset(self, info: Info) -> Dataset:
        return Dataset.of(await info.context.loaders.dataset.load(self.dataset_id))

    @described.field("Tag names, sorted.")
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loaders.tags_of_datapoint.load(self.datapoint_id)
