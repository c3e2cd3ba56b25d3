"""The project pages in Debian's chromium (issue 16): jobs named in words, not by their
internal ids (``projection.compute``), and the empty project's Python snippet kept inside
its box on a narrow window."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from ui_browser import needs_built_ui
from ui_data import PROJECT, LiveApp

pytestmark = needs_built_ui()

JOB_ID = re.compile(r"^[a-z_]+\.[a-z_]+$")


def test_jobs_are_named_in_words(page: Page, live_app: LiveApp) -> None:
    page.goto(f"{live_app.url}/p/{PROJECT}")
    names = page.locator('[data-testid^="job-name-"]')
    expect(names.first).to_be_visible()
    texts = names.all_inner_texts()
    assert texts, "no job listed"
    for text in texts:
        assert not JOB_ID.match(text.strip()), text
    assert "Compute a map" in texts
    # The id is still there for whoever needs it, as the tooltip.
    assert names.first.get_attribute("title")


def test_the_empty_project_snippet_stays_in_its_box(page: Page, live_app: LiveApp) -> None:
    name = f"empty-{uuid.uuid4().hex[:8]}"
    live_app.gql("mutation ($n: String!) { createProject(name: $n) { id } }", n=name)
    for width in (1280, 480):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_app.url}/p/{name}")
        snippet = page.get_by_test_id("log-snippet")
        expect(snippet).to_be_visible()
        code = snippet.locator("pre")
        card = page.get_by_test_id("empty-project")
        for inner, outer in ((code, snippet), (snippet, card)):
            a, b = inner.bounding_box(), outer.bounding_box()
            assert a is not None
            assert b is not None
            assert a["x"] >= b["x"] - 1, (a, b)
            assert a["x"] + a["width"] <= b["x"] + b["width"] + 1, (a, b)
        overflow = code.evaluate("e => e.scrollWidth - e.clientWidth")
        if width == 1280:
            # Room to spare for the longest line, even in a wider monospace font.
            assert overflow <= 0
            assert code.evaluate("e => e.clientWidth - e.firstChild.offsetWidth") > 100
        else:
            assert overflow > 0  # the long lines scroll inside the code box
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
