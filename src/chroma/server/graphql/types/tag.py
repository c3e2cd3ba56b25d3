"""Tags of a project, and the outcome of tagging calls."""

from __future__ import annotations

import strawberry

from chroma.services.tags import TagChange as TagChangeRecord
from chroma.services.tags import TagRecord


@strawberry.type(description="A tag of a project and how many datapoints carry it.")
class Tag:
    name: str
    datapoint_count: int

    @classmethod
    def of(cls, record: TagRecord) -> Tag:
        return cls(name=record.name, datapoint_count=record.datapoint_count)


@strawberry.type(description="What an addTags/removeTags call did.")
class TagChange:
    matched: int = strawberry.field(description="Datapoints the call addressed.")
    changed: int = strawberry.field(
        description="Datapoint-tag links actually added or removed (0 when repeated)."
    )

    @classmethod
    def of(cls, record: TagChangeRecord) -> TagChange:
        return cls(matched=record.matched, changed=record.changed)
