"""Facets: the values of a field across a project's datapoints, with counts."""

from __future__ import annotations

from enum import Enum

import strawberry

from chroma.services import facets


@strawberry.enum(description="What a facet counts.")
class FacetKind(Enum):
    CATEGORY = "category"
    IDENTIFIER = strawberry.enum_value(
        "identifier",
        description="Text whose values are nearly unique per datapoint (a request id, a file "
        "path): filter it by text rather than by a list of values.",
    )
    NUMBER = "number"
    TAGS = "tags"


@strawberry.type(description="One value of a field and how many datapoints have it.")
class FacetValue:
    value: str = strawberry.field(
        description="As text: strings as they are, numbers and booleans as JSON writes them."
    )
    count: int


@strawberry.type(description="The values of one field across the datapoints counted.")
class Facet:
    field: str = strawberry.field(
        description="label, prediction, dataset, tags or metadata.<field>."
    )
    kind: FacetKind
    values: list[FacetValue] = strawberry.field(
        description="Most frequent first (ties by value), at most `limit`."
    )
    distinct: int = strawberry.field(description="Different values, also those beyond `limit`.")
    missing: int = strawberry.field(
        description="Datapoints without a value (tags: without any tag; nested metadata "
        "values count as missing)."
    )
    total: int = strawberry.field(description="Datapoints counted.")
    min: float | None = strawberry.field(description="Numeric metadata: the smallest value.")
    max: float | None = strawberry.field(description="Numeric metadata: the largest value.")

    @classmethod
    def of(cls, record: facets.Facet) -> Facet:
        return cls(
            field=record.field,
            kind=FacetKind(record.kind),
            values=[FacetValue(value=v.value, count=v.count) for v in record.values],
            distinct=record.distinct,
            missing=record.missing,
            total=record.total,
            min=record.min,
            max=record.max,
        )
