"""Signing in and out in a real browser (issue 13, item 1), on a server with auth on.

The front page is the sign-in page, not a JSON 401; a wrong token is refused on the page;
the right one opens the app with who is signed in and an HttpOnly, SameSite=Strict cookie;
the page's own writes go through; signing out (or a session ended elsewhere) returns to
the sign-in page and the cookie is worth nothing afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete
from ui_browser import needs_built_ui

import chroma
from chroma.db.models import SignInSession
from chroma.db.store import Store, open_store
from chroma.services import users
from chroma.services.principals import Role
from chroma.settings import Settings
from live_server import LiveServer

TOKEN = "browser-token-0123456789abcdef"
PROJECT = "signed-in-project"

pytestmark = needs_built_ui()


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[LiveServer]:
    """A SQLite server with auth on and one project, made with the bearer token."""
    settings = Settings(
        data_dir=tmp_path / "data", auth_token=TOKEN, auto_jobs=False, job_prewarm=False
    )
    store = open_store(settings)
    with LiveServer(store, owns_store=True) as live:
        created = httpx.post(
            f"{live.url}/graphql",
            json={"query": f'mutation {{ createProject(name: "{PROJECT}") {{ name }} }}'},
            headers={"authorization": f"Bearer {TOKEN}"},
        )
        assert created.status_code == 200, created.text
        yield live


def sign_in(page: Page, token: str) -> None:
    page.get_by_test_id("sign-in-token").fill(token)
    page.get_by_test_id("sign-in-submit").click()


def unexpected_errors(page: Page) -> list[str]:
    """Console errors but the 401s the sign-in page is built on (Chromium logs each)."""
    return [
        error
        for error in page.problems.errors  # type: ignore[attr-defined]
        if "status of 401" not in error
    ]


def test_sign_in_and_sign_out(page: Page, guarded: LiveServer) -> None:
    response = page.goto(f"{guarded.url}/p/{PROJECT}")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_test_id("sign-in-page")).to_be_visible()
    expect(page.get_by_test_id("sign-in-reason")).to_have_count(0)

    sign_in(page, "not-the-token-at-all")
    expect(page.get_by_test_id("sign-in-error")).to_contain_text("wrong token")
    assert page.context.cookies() == []

    sign_in(page, TOKEN)
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("token")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("admin")
    (cookie,) = page.context.cookies()
    assert cookie["name"] == "chroma_session"
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/"
    assert page.evaluate("document.cookie") == ""  # out of scripts' reach

    # The deep link asked for before signing in is the page shown, and survives a reload.
    page.reload()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    # A write from the page itself (the browser sends its Origin) goes through.
    created = page.evaluate(
        """async () => {
          const query = 'mutation { createProject(name: "from-page") { name } }';
          const r = await fetch('/graphql', {method: 'POST',
            headers: {'content-type': 'application/json'}, body: JSON.stringify({query})});
          return [r.status, await r.json()];
        }"""
    )
    assert created == [200, {"data": {"createProject": {"name": "from-page"}}}]

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in-page")).to_be_visible()
    assert page.context.cookies() == []
    page.reload()
    expect(page.get_by_test_id("sign-in-page")).to_be_visible()
    assert unexpected_errors(page) == []


def test_a_session_ended_elsewhere_returns_to_sign_in_saying_so(
    page: Page, guarded: LiveServer
) -> None:
    page.goto(guarded.url + "/")
    sign_in(page, TOKEN)
    expect(page.get_by_test_id(f"project-link-{PROJECT}")).to_be_visible()

    store: Store = guarded.store
    with store.write() as session:  # signed out on another machine, or expired
        session.execute(delete(SignInSession))
    page.get_by_test_id(f"project-link-{PROJECT}").click()

    expect(page.get_by_test_id("sign-in-page")).to_be_visible()
    expect(page.get_by_test_id("sign-in-reason")).to_contain_text("expired or was signed out")
    sign_in(page, TOKEN)
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    assert unexpected_errors(page) == []


def test_a_personal_token_signs_its_user_in_with_their_role(
    page: Page, guarded: LiveServer
) -> None:
    users.add_user(guarded.store, "vera", Role.VIEWER)
    token = users.create_token(guarded.store, "vera", "browser").token

    page.goto(guarded.url + "/")
    sign_in(page, token)

    expect(page.get_by_test_id("signed-in-as")).to_have_text("vera (viewer)")
    expect(page.get_by_test_id(f"project-link-{PROJECT}")).to_be_visible()
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in-page")).to_be_visible()
    assert unexpected_errors(page) == []


def test_a_viewer_sees_no_write_controls_and_an_editor_does(
    page: Page, guarded: LiveServer
) -> None:
    """The page keeps the writes a viewer's role would be refused (403) off the screen and
    says why once; an editor sees them."""
    with chroma.init(PROJECT, "train", "emb", url=guarded.url, token=TOKEN) as run:
        run.log(np.eye(8, dtype=np.float32), ids=[f"k{i}" for i in range(8)])
    for name, role in (("vera", Role.VIEWER), ("eddie", Role.EDITOR)):
        users.add_user(guarded.store, name, role)
        token = users.create_token(guarded.store, name, "browser").token
        page.goto(f"{guarded.url}/p/{PROJECT}")
        sign_in(page, token)
        expect(page.get_by_test_id("signed-in-as")).to_have_text(f"{name} ({role.label})")
        form = page.get_by_test_id("create-projection-emb")
        note = page.get_by_test_id("read-only-note")
        if role is Role.VIEWER:
            expect(note).to_contain_text("viewer")
            expect(form).to_have_count(0)
        else:
            expect(form).to_be_visible()
            expect(note).to_have_count(0)
        page.get_by_test_id("sign-out").click()
        expect(page.get_by_test_id("sign-in-page")).to_be_visible()
    assert unexpected_errors(page) == []
