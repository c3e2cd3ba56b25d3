"""What a delete mutation answers: the id and name of what is gone."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A deleted project, dataset or space.")
class Deleted:
    id: strawberry.ID
    name: str
