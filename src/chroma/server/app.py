"""The one wiring point: ``create_app(settings)`` builds the whole server.

Used by the CLI (``chroma application run``), the tests and, later, the job workers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chroma._version import __version__
from chroma.jobs.runner import make_runner
from chroma.server import errors, state, static
from chroma.server.auth import check_token_strength, install_auth, require
from chroma.server.graphql.router import graphql_router
from chroma.server.metrics import install_metrics
from chroma.server.request_guard import install_request_guard
from chroma.server.routes import (
    analyses,
    export,
    health,
    ingest,
    points,
    read,
    resources,
    session,
)
from chroma.services.principals import Role
from chroma.services.store import Store, open_store, tidy
from chroma.settings import Settings


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the app. Pass ``store`` to share one already open (tests); else one is opened."""
    settings = settings or (store.settings if store else Settings())
    check_token_strength(settings.auth_token)  # before anything is opened or written
    owns_store = store is None
    store = store or open_store(settings)
    tidy(store)

    runner = make_runner(settings, store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner.start()
        try:
            yield
        finally:
            runner.stop()
            if owns_store:
                store.dispose()

    app = FastAPI(title="Chroma", version=__version__, lifespan=lifespan)
    state.install(app, state.ServerState(store=store, settings=settings, runner=runner))
    errors.install(app)
    install_auth(app, settings, store)  # who is asking: bearer token or session cookie
    install_request_guard(app, settings)  # outermost: Host, Origin, media types, CORS
    app.include_router(health.router)
    # Roles (services/principals.py): logging data needs an editor; reads a viewer; GraphQL
    # mutations are checked by operation (graphql/roles.py).
    app.include_router(ingest.router, prefix="/api/v1", dependencies=[require(Role.EDITOR)])
    app.include_router(read.router, prefix="/api/v1")
    app.include_router(points.router, prefix="/api/v1")
    app.include_router(analyses.router, prefix="/api/v1")
    app.include_router(resources.router, prefix="/api/v1")
    app.include_router(export.router, prefix="/api/v1")
    app.include_router(session.router, prefix="/api/v1")
    app.include_router(graphql_router(store), prefix="/graphql")
    # GET /metrics, before the UI's catch-all; its middleware outermost, counting refusals.
    install_metrics(app, store)
    static.mount(app, settings.static_dir)
    return app
