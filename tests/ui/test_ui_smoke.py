"""The first browser test: the app's front page loads in Debian's chromium, with a title
and without console errors. Passes against the built UI and against the "not built" page."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from ui_data import LiveApp

from chroma.server.static import STATIC_DIR, is_built


def test_the_front_page_loads_without_console_errors(page: Page, live_app: LiveApp) -> None:
    response = page.goto(live_app.url + "/")
    assert response is not None
    assert response.status == 200
    expect(page).to_have_title("Chroma")
    if is_built(STATIC_DIR):
        # The projects screen lists the project logged through the SDK.
        expect(page.get_by_test_id("project-link-digits")).to_be_visible()
    else:
        expect(page.get_by_role("heading", name="Chroma is running")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.problems.errors == []  # type: ignore[attr-defined]


def test_a_deep_link_opens_the_app_too(page: Page, live_app: LiveApp) -> None:
    response = page.goto(f"{live_app.url}/p/digits/explore?projection={live_app.projection_id}")
    assert response is not None
    assert response.status == 200
    expect(page).to_have_title("Chroma")
    page.wait_for_load_state("networkidle")
    assert page.problems.errors == []  # type: ignore[attr-defined]


def test_the_space_is_the_one_logged(live_app: LiveApp) -> None:
    """The data behind the browser tests: every digit logged and on the map."""
    query = """query ($id: ID!) { projection(id: $id) { state pointCount } }"""
    found = live_app.gql(query, id=str(live_app.projection_id))["projection"]
    assert found == {"state": "READY", "pointCount": 1797}
