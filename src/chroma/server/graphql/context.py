"""What every resolver sees: the store, the job runner and this request's dataloaders."""

from __future__ import annotations

import logging

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.fastapi import BaseContext

from chroma.db.store import Store
from chroma.jobs.runner import JobRunner
from chroma.server.graphql.loaders import Loaders, create_loaders

log = logging.getLogger("chroma.server")


class ChromaContext(BaseContext):
    def __init__(self, store: Store, runner: JobRunner | None = None) -> None:
        super().__init__()
        self.store = store
        self.runner = runner
        self.loaders: Loaders = create_loaders(store)

    async def submit(self, job_id: int) -> None:
        """Hand a job queued by a mutation (its transaction committed) to the runner at once.

        Without a runner (or if this fails) the job still runs: runners poll the job table.
        """
        if self.runner is None:
            return
        try:
            await run_in_threadpool(self.runner.submit, job_id)
        except Exception:  # e.g. the Celery broker is down: the runner resends it later
            log.warning("job %s: could not hand it to the runner now", job_id, exc_info=True)


Info = strawberry.Info[ChromaContext, None]
"""The ``info`` argument of every resolver."""
