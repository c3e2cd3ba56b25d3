from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from chroma._version import __version__

router = APIRouter()


@router.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    """Liveness and database reachability."""
    with request.app.state.store.read() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}
