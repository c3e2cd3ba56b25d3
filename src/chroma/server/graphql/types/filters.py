"""The datapoint filter as GraphQL input, turned into the service's filter."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from chroma.services.datapoints import DatapointFilter, MetadataEquals


@strawberry.input(
    name="MetadataEquals",
    description=(
        'metadata[field] == equals. Typed like JSON: the string "5" does not match the '
        "number 5; numbers match by value (1 matches 1.0)."
    ),
)
class MetadataEqualsInput:
    field: str
    equals: JSON = strawberry.field(description="A string, number or boolean.")

    def to_service(self) -> MetadataEquals:
        return MetadataEquals.checked(self.field, self.equals)


@strawberry.input(
    name="DatapointFilter",
    description=(
        "Which datapoints: values in one list are alternatives (OR); the parts all apply "
        "(AND). An absent part does not restrict."
    ),
)
class DatapointFilterInput:
    datasets: list[str] | None = strawberry.field(default=None, description="Dataset names.")
    labels: list[str] | None = None
    predictions: list[str] | None = None
    tags: list[str] | None = strawberry.field(
        default=None, description="Datapoints carrying any of these tags."
    )
    metadata: list[MetadataEqualsInput] | None = strawberry.field(
        default=None, description="Every test must hold."
    )

    def to_service(self) -> DatapointFilter:
        return DatapointFilter(
            datasets=self.datasets,
            labels=self.labels,
            predictions=self.predictions,
            tags=self.tags,
            metadata=tuple(test.to_service() for test in self.metadata or ()),
        )


def service_filter(given: DatapointFilterInput | None) -> DatapointFilter:
    return given.to_service() if given is not None else DatapointFilter()
