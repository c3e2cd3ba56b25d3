"""What every resolver sees: the store, the job runner and this request's dataloaders (and
the extensions: the limits the request must keep)."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.fastapi import BaseContext

from chroma.jobs.runner import JobRunner, hand_over
from chroma.server.graphql.limits import GraphQLLimits
from chroma.server.graphql.loaders import Loaders, create_loaders
from chroma.services.store import Store


class ChromaContext(BaseContext):
    def __init__(
        self, store: Store, runner: JobRunner | None = None, limits: GraphQLLimits | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.runner = runner
        self.limits = limits or GraphQLLimits.of(store.settings)
        self.loaders: Loaders = create_loaders(store)

    async def submit(self, job_id: int) -> None:
        """Hand a job queued by a mutation (its transaction committed) to the runner at once
        (off the event loop: a broker's send may block)."""
        await run_in_threadpool(hand_over, self.runner, job_id)


Info = strawberry.Info[ChromaContext, None]
"""The ``info`` argument of every resolver."""
