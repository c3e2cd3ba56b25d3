"""Database work leaves the event loop, a few sessions at a time per request.

Strawberry runs a sync resolver on the event loop thread, so one slow query would stall
every request. Resolvers and dataloader batches are async and hand the blocking part to
Starlette's threadpool through these two helpers.

Inside :func:`bounded` (the limits extension opens it around each request's execution)
at most ``concurrency`` of those calls run at once; the others wait without a thread or a
connection. Without it, a request with 200 aliased fields took 200 threads, each asking
the connection pool for a session, and every other request (``/healthz`` too) queued
behind them. The bound lives in a context variable because every resolver and dataloader
batch of a request runs in a task started from its execution, which copies it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Concatenate, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from chroma.services.store import Session, Store

P = ParamSpec("P")
T = TypeVar("T")

_sessions: ContextVar[asyncio.Semaphore | None] = ContextVar("graphql_sessions", default=None)


@contextmanager
def bounded(concurrency: int) -> Iterator[None]:
    """Calls of :func:`read` and :func:`run` made inside run ``concurrency`` at a time."""
    token = _sessions.set(asyncio.Semaphore(concurrency))
    try:
        yield
    finally:
        _sessions.reset(token)


async def _in_thread(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    sessions = _sessions.get()
    if sessions is None:
        return await run_in_threadpool(work, *args, **kwargs)
    async with sessions:
        return await run_in_threadpool(work, *args, **kwargs)


async def read(
    store: Store, query: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``query(session, ...)`` in a read session, on a worker thread."""

    def work() -> T:
        with store.read() as session:
            return query(session, *args, **kwargs)

    return await _in_thread(work)


async def run(use_case: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A use case that opens its own transaction (the writes), on a worker thread."""
    return await _in_thread(use_case, *args, **kwargs)
