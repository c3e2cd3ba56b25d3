"""A family of spaces: one model's embeddings at several training steps (``<family>@step=<n>``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.services import steps

if TYPE_CHECKING:
    from chroma.server.graphql.types.space import Space

SpaceType = Annotated["Space", strawberry.lazy("chroma.server.graphql.types.space")]


@strawberry.type(description="One step of a family: the space holding the model's embeddings then.")
class SpaceStep:
    step: int = strawberry.field(description="The step (an epoch, a training step), as logged.")
    space: SpaceType


@strawberry.type(
    description=(
        "The spaces one model was logged into at several training steps (`run.log(..., "
        "step=)`): spaces named `<family>@step=<n>`. Each step's first map is aligned to the "
        "previous step's (started from it, rotated onto it); its points column `movement` "
        "says how far each point moved."
    )
)
class SpaceFamily:
    name: str
    project_id: strawberry.Private[int]

    @described.field("Its steps, in step order.")
    async def steps(self, info: Info) -> list[SpaceStep]:
        from chroma.server.graphql.types.space import Space

        found = await offload.read(
            info.context.store, steps.family_spaces, self.project_id, self.name
        )
        return [SpaceStep(step=step, space=Space.of(record)) for step, record in found]
