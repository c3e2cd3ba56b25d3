"""Search in the Explorer (issue 16), in Debian's chromium against the real server and the
digits: ``/`` focuses the box, Enter searches keys, labels, texts and metadata, the hits
become the selection (counted, listed, in the link) and are drawn selected on the map;
a refused search says why and changes nothing; Escape clears the box."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from test_explorer import count_of, decode_ids, open_explorer, url_query
from ui_browser import needs_built_ui, watch
from ui_data import LiveApp

pytestmark = needs_built_ui()


def selected_on_map(page: Page) -> list[int]:
    return list(page.evaluate("() => window.__chromaMapProbe.selected()"))


def test_search_selects_and_highlights_its_hits(page: Page, live_app: LiveApp) -> None:
    problems = watch(page)
    open_explorer(page, live_app)
    box = page.get_by_test_id("search-input")

    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("TEST-179")  # keys test-1790 .. test-1796, any case
    page.keyboard.press("Enter")

    status = page.get_by_test_id("search-status")
    expect(status).to_have_text("7 hits")
    expect(status).to_have_attribute("data-count", "7")
    expect(page.get_by_test_id("selection-count")).to_have_text("7")
    wanted = sorted(live_app.ids_by_key[f"test-{i}"] for i in range(1790, 1797))
    page.wait_for_function("() => window.__chromaMapProbe.selected().length === 7")
    assert len(set(selected_on_map(page))) == 7
    assert decode_ids(url_query(page)["sel"]) == wanted
    for datapoint_id in wanted:
        expect(page.get_by_test_id(f"selection-row-{datapoint_id}")).to_be_attached()

    # A refusal: a clear message, and the selection stays as it was.
    box.fill("x" * 1001)
    box.press("Enter")
    expect(page.get_by_test_id("search-error")).to_contain_text("1,000 characters")
    assert count_of(page.get_by_test_id("selection-count")) == 7

    # Plain text: wildcards are not wildcards; no hits leaves an empty selection.
    box.fill("test-%")
    box.press("Enter")
    expect(page.get_by_test_id("search-status")).to_have_text("No hits")
    expect(page.get_by_test_id("selection-count")).to_have_text("0")

    # Escape clears the box and leaves it: the next keys are the map's shortcuts again.
    box.fill("anything")
    box.press("Escape")
    expect(box).to_have_value("")
    expect(box).not_to_be_focused()
    expect(page.get_by_test_id("search-status")).to_have_count(0)
    page.keyboard.press("?")
    expect(page.get_by_test_id("help-overlay")).to_contain_text("Search keys, labels")
    page.keyboard.press("Escape")

    # The selection's zoom button is no magnifier named like a search.
    zoom = page.get_by_test_id("zoom-to-selection")
    expect(zoom).to_have_attribute("aria-label", "Zoom the map to the selection")
    assert problems.errors == [], problems.errors
