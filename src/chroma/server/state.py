"""What the app holds for its routes, typed: ``create_app`` installs it once, routes ask
for it as a dependency (``state: State``) instead of reading untyped ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, FastAPI, Request

from chroma.jobs.runner import JobRunner
from chroma.services.store import Store
from chroma.settings import Settings


@dataclass(frozen=True)
class ServerState:
    store: Store
    settings: Settings
    runner: JobRunner


def install(app: FastAPI, state: ServerState) -> None:
    app.state.chroma = state


def state_of(app: FastAPI) -> ServerState:
    return cast(ServerState, app.state.chroma)


def server_state(request: Request) -> ServerState:
    return state_of(request.app)


State = Annotated[ServerState, Depends(server_state)]
"""A route's parameter ``state: State`` is the app's :class:`ServerState`."""
