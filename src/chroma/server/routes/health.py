from __future__ import annotations

from fastapi import APIRouter

from chroma._version import __version__
from chroma.server.state import State
from chroma.services.store import check_database

router = APIRouter()


@router.get("/healthz")
def healthz(state: State) -> dict[str, str]:
    """Liveness and database reachability."""
    check_database(state.store)
    return {"status": "ok", "version": __version__}
