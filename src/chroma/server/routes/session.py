"""Signing in from a browser, out again, and who is signed in (ADR 0012).

``POST /api/v1/session`` trades a token for a session cookie (HttpOnly, SameSite=Strict,
Path=/, Secure over https): the browser never keeps the token, scripts keep using it as a
bearer token. ``DELETE /api/v1/session`` ends the session in the database, so it ends on
every API process, and clears the cookie. ``GET /api/v1/me`` says who the request acts for.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chroma.core.errors import Conflict
from chroma.server.auth import SESSION_COOKIE, Acting, identify
from chroma.server.errors import error_response
from chroma.server.state import State
from chroma.services import sessions, users

router = APIRouter()


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=1000, description="a personal token (or CHROMA_AUTH_TOKEN)")


class Me(BaseModel):
    name: str
    role: str
    via: Literal["session", "token", "none"] = Field(
        description="how the request was signed in: a session cookie, a bearer token, or "
        "not at all (a server without auth)"
    )
    auth_required: bool


class SignedIn(BaseModel):
    name: str
    role: str
    expires_at: str


@router.post("/session", response_model=SignedIn)
async def sign_in(body: SignIn, request: Request, state: State) -> Response:
    """Sign in with a token: a session cookie for this browser."""
    expected = state.settings.auth_token
    if expected is None:
        raise Conflict(
            "this server runs without auth (no CHROMA_AUTH_TOKEN): nothing to sign in to",
            where="token",
        )
    found = await identify(state.store, expected, body.token.strip())
    if isinstance(found, users.Revoked):
        return error_response(
            401, "token_revoked", "this token was revoked: nobody signed in", "token"
        )
    if found is None:
        return error_response(401, "unauthorized", "wrong token: nobody signed in", "token")
    max_age = state.settings.session_max_age
    opened = await run_in_threadpool(
        sessions.start, state.store, found.principal, timedelta(seconds=max_age), found.token_id
    )
    signed_in = SignedIn(
        name=opened.principal.name,
        role=opened.principal.role.label,
        expires_at=opened.expires_at.isoformat(),
    )
    response = Response(signed_in.model_dump_json(), media_type="application/json")
    response.set_cookie(
        SESSION_COOKIE,
        opened.session_id,
        max_age=int(max_age),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.delete("/session", status_code=204)
async def sign_out(request: Request, state: State) -> Response:
    """Sign out: the session ends on every API process, the cookie goes."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await run_in_threadpool(sessions.end, state.store, session_id)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/me", response_model=Me)
def me(request: Request, who: Acting, state: State) -> Me:
    """Who this request acts for, and whether this server asks anyone to sign in."""
    via = getattr(request.state, "auth_via", "none")
    return Me(
        name=who.name,
        role=who.role.label,
        via=via,
        auth_required=state.settings.auth_token is not None,
    )
