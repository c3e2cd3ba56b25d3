"""Who is asking: every request with auth on (``CHROMA_AUTH_TOKEN`` set) acts for a
:class:`~chroma.services.principals.Principal`, found from

- ``Authorization: Bearer <token>`` (the SDK, scripts, the CLI): ``CHROMA_AUTH_TOKEN``
  (compared in constant time; an admin) or a user's personal token (found by its SHA-256,
  ``services/users.py``); a wrong or revoked one is refused, whatever else the request
  carries;
- else the ``chroma_session`` cookie of a browser that signed in (``routes/session.py``),
  looked up in the database so every API process knows it (ADR 0012). A write (POST, PUT,
  PATCH, DELETE) signed in so must name a page of this server in ``Origin`` (or, without
  one, ``Referer``): the cookie is ``SameSite=Strict`` too, but a page of another port of
  the same host is "same-site", and an old browser may not honour it.

Open to anyone: ``GET /healthz``, signing in and out (``/api/v1/session``), and the UI's
own files (the app shell and its assets: a GET that no API route takes), so that a browser
gets the sign-in page rather than a JSON 401. Everything else without a principal is a 401
in the shared error shape, and a refused request runs nothing.

With auth off (loopback only, ``cli/application.py``) every request acts for
:data:`~chroma.services.principals.NOBODY_ASKED`, an admin.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Annotated
from urllib.parse import SplitResult, urlsplit

from fastapi import Depends, FastAPI, Request, params
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from chroma.server.errors import error_response
from chroma.server.request_guard import origin_of
from chroma.services import sessions, users
from chroma.services.principals import NOBODY_ASKED, SERVER_TOKEN, Principal, Role
from chroma.services.remote_images import host_matches
from chroma.services.store import Store
from chroma.settings import Settings

SESSION_COOKIE = "chroma_session"
MIN_TOKEN_LENGTH = 16
OPEN_PATHS = frozenset({"/healthz", "/api/v1/session"})
PROTECTED_PREFIXES = ("/api/", "/graphql", "/metrics")
"""Never the UI's, even where no route answers (a 401 before a 404 tells nothing)."""
SPA_FALLBACK = "/{path:path}"
"""The static mount's catch-all route (``server/static.py``): the UI's pages and files."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WeakToken(ValueError):
    """``CHROMA_AUTH_TOKEN`` is too easy to guess; the server refuses to start with it."""


def check_token_strength(token: str | None) -> None:
    """Raise :class:`WeakToken` for a token that is set but blank, padded with spaces or
    shorter than :data:`MIN_TOKEN_LENGTH` characters (``None``: auth off, nothing to
    check)."""
    if token is None:
        return
    hint = "; make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    if not token.strip():
        raise WeakToken("CHROMA_AUTH_TOKEN is empty or blank" + hint)
    if token != token.strip():
        raise WeakToken("CHROMA_AUTH_TOKEN starts or ends with whitespace" + hint)
    if len(token) < MIN_TOKEN_LENGTH:
        raise WeakToken(
            f"CHROMA_AUTH_TOKEN is too short ({len(token)} characters, at least "
            f"{MIN_TOKEN_LENGTH} needed)" + hint
        )


def token_matches(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


async def identify(
    store: Store, server_token: str, token: str
) -> users.TokenOwner | users.Revoked | None:
    """Who ``token`` acts for: the server's own token (an admin), a user's personal token,
    a revoked one, or nobody."""
    if token_matches(token, server_token):
        return users.TokenOwner(SERVER_TOKEN, None)
    return await run_in_threadpool(users.find_token, store, token)


def install_auth(app: FastAPI, settings: Settings, store: Store) -> None:
    """Install the auth gate (call it before the request guard, which stays outermost)."""
    check_token_strength(settings.auth_token)
    app.add_middleware(AuthGate, settings=settings, store=store, routes=app.router.routes)


def principal_of(request: Request) -> Principal:
    """Who the request acts for (the gate put it there; routes take :data:`Acting`)."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise RuntimeError("no principal: the route is not behind the auth gate")
    return principal


Acting = Annotated[Principal, Depends(principal_of)]
"""A route's parameter ``who: Acting`` is the request's principal."""


def require(role: Role) -> params.Depends:
    """A route dependency refusing (403) principals below ``role``, naming both."""

    def _check(request: Request) -> None:
        principal = principal_of(request)
        if not principal.may(role):
            raise principal.refusal(role)

    return params.Depends(_check)


class AuthGate:
    """The checks of the module docstring, as plain ASGI middleware (streams untouched)."""

    def __init__(
        self, app: ASGIApp, settings: Settings, store: Store, routes: Iterable[BaseRoute]
    ) -> None:
        self.app = app
        self.token = settings.auth_token
        self.store = store
        self.routes = routes  # the app's list: routers added after this still count
        self.origin_hosts = [h for h in settings.allowed_hosts if h.strip() != "*"]
        self.cors_origins = {origin_of(o) for o in settings.cors_origins} - {None}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        if self.token is None:
            state["principal"], state["auth_via"] = NOBODY_ASKED, "none"
            await self.app(scope, receive, send)
            return
        if self._is_open(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("authorization")
        if given is not None:
            scheme, _, token = given.partition(" ")
            found = (
                await identify(self.store, self.token, token.strip())
                if scheme.lower() == "bearer"
                else None
            )
            if isinstance(found, users.Revoked):
                await self._refuse(scope, receive, send, 401, "token_revoked", _REVOKED)
                return
            if found is None:
                await self._refuse(scope, receive, send, 401, "unauthorized", _WRONG_TOKEN)
                return
            state["principal"], state["auth_via"] = found.principal, "token"
            await self.app(scope, receive, send)
            return
        session_id = _cookie(headers, SESSION_COOKIE)
        if session_id is None:
            await self._refuse(scope, receive, send, 401, "unauthorized", _WRONG_TOKEN)
            return
        live = await run_in_threadpool(sessions.find, self.store, session_id)
        if live is None:
            await self._refuse(scope, receive, send, 401, "session_expired", _SESSION_ENDED)
            return
        method = scope.get("method", "GET")
        if (scope["type"] == "websocket" or method not in SAFE_METHODS) and not (
            self._from_this_server(headers)
        ):
            await self._refuse(scope, receive, send, 403, "forbidden", _CROSS_SITE)
            return
        state["principal"], state["auth_via"] = live.principal, "session"
        await self.app(scope, receive, send)

    def _is_open(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if path in OPEN_PATHS:
            return True
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return False
        if path.startswith(PROTECTED_PREFIXES):
            return False
        # A GET that only the static catch-all answers: the UI's shell and assets.
        for route in self.routes:
            if getattr(route, "path", None) == SPA_FALLBACK:
                continue
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return False
        return True

    def _from_this_server(self, headers: Headers) -> bool:
        """The write names a page of this server: its Origin (else its Referer) is the
        Host asked for, one of ``cors_origins``, or a name this server answers to (behind
        a proxy that rewrites Host) *on the port asked for*: a page of another service on
        another port of an allowed name (``http://localhost:9999``, a notebook or a dev
        server) is same-site for the browser, so it sends the cookie, and only this check
        refuses it. No header at all is refused: browsers send Origin with every such
        request, so a request without one is no page of ours."""
        source = headers.get("origin") or headers.get("referer")
        if not source:
            return False
        origin = origin_of(source, page=True)
        if origin is None:
            return False
        host = headers.get("host", "").strip().lower()
        if origin.split("://", 1)[1] == host or origin in self.cors_origins:
            return True
        page, asked = urlsplit(origin), urlsplit(f"{urlsplit(origin).scheme}://{host}")
        try:
            same_port = _port(page) == _port(asked)
        except ValueError:  # a Host header with a port out of range
            return False
        return same_port and host_matches(page.hostname or "", self.origin_hosts)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
    ) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        where = {"session_expired": "cookie", "forbidden": "origin"}.get(code, "authorization")
        response = error_response(status, code, message, where)
        if code == "session_expired":
            response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        await response(scope, receive, send)


_WRONG_TOKEN = "missing or wrong bearer token"
_REVOKED = "this token was revoked: ask an admin for a new one (chroma tokens create)"
_SESSION_ENDED = "your session has expired or was signed out: sign in again"
_CROSS_SITE = (
    "a write signed in with a session cookie must come from a page of this server, and "
    "this one's Origin (or Referer) header is missing or names another site"
)


def _cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def _port(url: SplitResult) -> int:
    """The port a URL names, or its scheme's default."""
    return url.port or (443 if url.scheme == "https" else 80)
