"""Signing in from a browser (issue 13, item 1), over real HTTP on both databases.

With auth on, the UI's shell and files are served to anyone (the sign-in page is part of
them) and everything else needs a bearer token or a session cookie. A token trades for an
HttpOnly, SameSite=Strict cookie; a write signed in by the cookie must come from a page of
this server; a signed-out or expired session is a 401 that says so; sessions live in the
database, so two servers on it share them. Refused requests change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from chroma.db.models import Base, SignInSession, utcnow
from chroma.db.store import Store, open_store
from chroma.server.app import create_app
from chroma.server.auth import WeakToken
from chroma.settings import Settings
from live_server import LiveServer

TOKEN = "test-token-0123456789abcdef"
CREATE = {"query": 'mutation { createProject(name: "x") { name } }'}
PROJECTS = {"query": "{ projects { name } }"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_token": TOKEN})


def row_counts(store: Store) -> dict[str, int]:
    with store.read() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def sign_in(http: httpx.Client, token: str = TOKEN, **headers: str) -> httpx.Response:
    return http.post("/api/v1/session", json={"token": token}, headers=headers)


def same_origin(server: LiveServer) -> dict[str, str]:
    return {"origin": server.url}


def test_the_ui_and_health_are_open_the_rest_wants_a_principal(http: httpx.Client) -> None:
    for path in ("/", "/p/demo/explore?projection=3"):
        page = http.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
    assert http.get("/healthz").status_code == 200
    for path in ("/api/v1/me", "/graphql", "/openapi.json", "/docs", "/api/v1/nowhere"):
        refused = http.get(path)
        assert refused.status_code == 401, path
        assert refused.json()["error"] == {
            "code": "unauthorized",
            "message": "missing or wrong bearer token",
            "where": "authorization",
        }


def test_a_wrong_token_signs_nobody_in(http: httpx.Client, store: Store) -> None:
    before = row_counts(store)
    refused = sign_in(http, "not-the-token-at-all")

    assert refused.status_code == 401
    assert refused.json()["error"] == {
        "code": "unauthorized",
        "message": "wrong token: nobody signed in",
        "where": "token",
    }
    assert "set-cookie" not in refused.headers
    assert row_counts(store) == before


def test_signing_in_sets_a_strict_http_only_cookie_that_acts_for_the_token(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    signed_in = sign_in(http)

    assert signed_in.status_code == 200
    assert signed_in.json()["name"] == "token"
    assert signed_in.json()["role"] == "admin"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("chroma_session=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain http: a Secure cookie would never come back
    with store.read() as session:
        hashes = list(session.scalars(select(SignInSession.id_hash)))
    session_id = http.cookies["chroma_session"]
    assert len(hashes) == 1
    assert session_id not in hashes[0]  # only the hash is stored

    me = http.get("/api/v1/me").json()
    assert me == {"name": "token", "role": "admin", "via": "session", "auth_required": True}
    assert http.post("/graphql", json=PROJECTS, headers=same_origin(server)).status_code == 200
    created = http.post("/graphql", json=CREATE, headers=same_origin(server))
    assert created.json() == {"data": {"createProject": {"name": "x"}}}


def test_over_https_the_cookie_is_secure(http: httpx.Client) -> None:
    # The proxy in front (127.0.0.1, trusted by uvicorn) says the browser used https.
    signed_in = sign_in(http, **{"x-forwarded-proto": "https"})

    assert "secure" in signed_in.headers["set-cookie"].lower().split("; ")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"origin": "http://evil.example"},
        {"referer": "http://evil.example/page"},
        # Same site for the browser (it sends the cookie), another service: a notebook or
        # a dev server on another port of an allowed name.
        {"origin": "http://localhost:9"},
        {"origin": "http://127.0.0.1"},
        {"referer": "http://localhost:9/notebook"},
        {"origin": "null"},
    ],
    ids=[
        "no-origin",
        "cross-site-origin",
        "cross-site-referer",
        "other-port-origin",
        "default-port-origin",
        "other-port-referer",
        "null-origin",
    ],
)
def test_a_cookie_write_from_another_site_is_refused_and_changes_nothing(
    server: LiveServer, http: httpx.Client, store: Store, headers: dict[str, str]
) -> None:
    sign_in(http)
    before = row_counts(store)

    refused = http.post("/graphql", json=CREATE, headers=headers)

    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["where"] == "origin"
    assert error["code"] == "forbidden"
    assert "another site" in error["message"] or "cross-site" in error["message"]
    assert row_counts(store) == before


def test_a_cookie_write_with_a_referer_of_this_server_goes_through(
    server: LiveServer, http: httpx.Client
) -> None:
    sign_in(http)
    created = http.post("/graphql", json=CREATE, headers={"referer": f"{server.url}/p/x"})

    assert created.json() == {"data": {"createProject": {"name": "x"}}}


def test_bearer_calls_work_as_before_and_a_wrong_one_wins_over_a_cookie(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    bearer = {"authorization": f"Bearer {TOKEN}"}
    created = http.post("/graphql", json=CREATE, headers=bearer)  # no Origin: a script
    assert created.json() == {"data": {"createProject": {"name": "x"}}}
    assert http.get("/api/v1/me", headers=bearer).json()["via"] == "token"

    sign_in(http)
    before = row_counts(store)
    wrong = {"authorization": "Bearer wrong", **same_origin(server)}
    refused = http.post(
        "/graphql", json={"query": 'mutation { createProject(name: "y") { name } }'}, headers=wrong
    )
    assert refused.status_code == 401
    assert row_counts(store) == before


def test_signing_out_ends_the_session_in_the_database(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    sign_in(http)
    session_id = http.cookies["chroma_session"]

    signed_out = http.delete("/api/v1/session", headers=same_origin(server))

    assert signed_out.status_code == 204
    assert 'chroma_session=""' in signed_out.headers["set-cookie"]
    assert row_counts(store)["sign_in_session"] == 0
    # A copy of the cookie kept elsewhere is worth nothing now.
    replayed = httpx.get(f"{server.url}/api/v1/me", cookies={"chroma_session": session_id})
    assert replayed.status_code == 401
    assert replayed.json()["error"] == {
        "code": "session_expired",
        "message": "your session has expired or was signed out: sign in again",
        "where": "cookie",
    }


def test_an_expired_session_is_refused_saying_so(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    sign_in(http)
    with store.write() as session:
        session.execute(update(SignInSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    before = row_counts(store)

    refused = http.post("/graphql", json=CREATE, headers=same_origin(server))

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "session_expired"
    assert row_counts(store) == before


def test_two_servers_on_one_database_share_sessions(settings: Settings, store: Store) -> None:
    # Another data dir, the same database (a second API machine).
    elsewhere_settings = settings.model_copy(
        update={"data_dir": settings.data_dir / "b", "database_url": settings.resolved_database_url}
    )
    other_store = open_store(elsewhere_settings)
    with LiveServer(store) as first, LiveServer(other_store, owns_store=True) as second:
        with httpx.Client(base_url=first.url) as browser:
            assert sign_in(browser).status_code == 200
            cookie = {"chroma_session": browser.cookies["chroma_session"]}
        with httpx.Client(base_url=second.url, cookies=cookie) as elsewhere:
            assert elsewhere.get("/api/v1/me").json()["via"] == "session"
            out = elsewhere.delete("/api/v1/session", headers={"origin": second.url})
            assert out.status_code == 204
        again = httpx.get(f"{first.url}/api/v1/me", cookies=cookie)
        assert again.json()["error"]["code"] == "session_expired"


@pytest.mark.parametrize("token", ["", "   ", "short-token", " padded-token-0123456789 "])
def test_a_weak_token_is_refused_at_start(tmp_path: object, token: str) -> None:
    data_dir = tmp_path / "data"  # type: ignore[operator]
    with pytest.raises(WeakToken, match="CHROMA_AUTH_TOKEN"):
        create_app(Settings(data_dir=data_dir, auth_token=token))
    assert not data_dir.exists()


@pytest.fixture
def open_server(tmp_path: object) -> Iterator[LiveServer]:
    store = open_store(Settings(data_dir=tmp_path / "data", auto_jobs=False, job_prewarm=False))  # type: ignore[operator]
    with LiveServer(store, owns_store=True) as live:
        yield live


def test_without_auth_me_says_so_and_there_is_nothing_to_sign_in_to(
    open_server: LiveServer,
) -> None:
    me = httpx.get(f"{open_server.url}/api/v1/me").json()
    assert me == {"name": "local", "role": "admin", "via": "none", "auth_required": False}
    refused = httpx.post(f"{open_server.url}/api/v1/session", json={"token": TOKEN})
    assert refused.status_code == 409


def test_a_cookie_write_from_another_allowed_name_on_this_port_goes_through(
    server: LiveServer, http: httpx.Client
) -> None:
    """``localhost`` and ``127.0.0.1`` are both this server's names (CHROMA_ALLOWED_HOSTS):
    a page of one may write to the other, on the same port."""
    sign_in(http)
    port = server.url.rsplit(":", 1)[1]

    created = http.post("/graphql", json=CREATE, headers={"origin": f"http://localhost:{port}"})

    assert created.status_code == 200
    assert "errors" not in created.json()
