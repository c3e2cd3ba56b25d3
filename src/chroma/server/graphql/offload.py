"""Database work leaves the event loop.

Strawberry runs a sync resolver on the event loop thread, so one slow query would stall
every request. Resolvers and dataloader batches are async and hand the blocking part to
Starlette's threadpool through these two helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from chroma.services.store import Session, Store

P = ParamSpec("P")
T = TypeVar("T")


async def read(
    store: Store, query: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``query(session, ...)`` in a read session, on a worker thread."""

    def work() -> T:
        with store.read() as session:
            return query(session, *args, **kwargs)

    return await run_in_threadpool(work)


async def run(use_case: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A use case that opens its own transaction (the writes), on a worker thread."""
    return await run_in_threadpool(use_case, *args, **kwargs)
