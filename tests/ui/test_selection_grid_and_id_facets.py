"""The selection's grid of thumbnails and the text filter of identifier-like fields (issue
16), in Debian's chromium against real servers: the digits (an image each), and a small
project of its own ("files") whose rows have a file path unique per row, and half of them
no image (their tiles show their text or key)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from playwright.sync_api import Page, expect
from test_explorer import DIGITS, count_of, open_explorer, url_query, wait_for_map
from ui_browser import ARTIFACTS, needs_built_ui, watch
from ui_data import LiveApp

import chroma
from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer
from projection_helpers import computed_projection

pytestmark = needs_built_ui()

FILES = 240
PICTURED = 120
"""The first rows have an image; the others a text (even rows) or nothing but a key."""


class FilesApp:
    def __init__(self, url: str, projection_id: int) -> None:
        self.url = url
        self.projection_id = projection_id

    def explore(self, query: str = "") -> str:
        return f"{self.url}/p/files/explore?projection={self.projection_id}{query}"


@pytest.fixture(scope="module")
def files_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FilesApp]:
    folder: Path = tmp_path_factory.mktemp("files-app")
    store = open_store(Settings(data_dir=folder / "data", auto_jobs=False))
    rng = np.random.default_rng(7)
    with (
        LiveServer(store, owns_store=True) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        texts = [None if i < PICTURED or i % 2 else f"a note about scan {i}" for i in range(FILES)]
        with chroma.init("files", "scans", "vec", url=server.url) as run:
            for rows, pictured in ((range(PICTURED), True), (range(PICTURED, FILES), False)):
                run.log(
                    embeddings=rng.normal(size=(len(rows), 8)).astype(np.float32),
                    ids=[f"scan-{i:04d}" for i in rows],
                    labels=["a" if i % 2 else "b" for i in rows],
                    metadata=[
                        {"file": f"/data/scan_{i:04d}.png", "group": f"g{i % 4}"} for i in rows
                    ],
                    **(
                        {"images": rng.integers(0, 255, size=(len(rows), 8, 8), dtype=np.uint8)}
                        if pictured
                        else {"texts": [texts[i] for i in rows]}
                    ),
                )
        projection_id = computed_projection(http, project="files", space="vec")
        yield FilesApp(server.url, projection_id)


def test_an_identifier_field_is_filtered_by_text(page: Page, files_app: FilesApp) -> None:
    problems = watch(page)
    page.goto(files_app.explore())
    wait_for_map(page)
    # The file path (unique per row) is a text box, not 240 checkboxes; groups stay a list.
    box = page.get_by_test_id("facet-match-metadata.file")
    expect(box).to_be_visible()
    expect(page.get_by_test_id("facet-identifier-metadata.file")).to_contain_text("240 values")
    expect(page.get_by_test_id("facet-metadata.file-/data/scan_0000.png")).to_have_count(0)
    expect(page.get_by_test_id("facet-metadata.group-g1")).to_be_visible()

    box.fill("SCAN_01")  # scan_0100 .. scan_0199, any case
    note = page.get_by_test_id("facet-match-note-metadata.file")
    expect(note).to_have_text("100 rows contain “SCAN_01”.")
    page.wait_for_function("() => new URL(location.href).searchParams.has('m.metadata.file')")
    assert url_query(page)["m.metadata.file"] == "SCAN_01"

    # Escape leaves the box (the filter stays); "select what passes" (a) selects its rows.
    box.press("Escape")
    expect(box).not_to_be_focused()
    expect(box).to_have_value("SCAN_01")
    page.keyboard.press("a")
    expect(page.get_by_test_id("selection-count")).to_have_text("100")

    # The link brings it back.
    page.goto(files_app.explore("&m.metadata.file=scan_023"))
    wait_for_map(page)
    expect(page.get_by_test_id("facet-match-metadata.file")).to_have_value("scan_023")
    page.keyboard.press("a")
    expect(page.get_by_test_id("selection-count")).to_have_text("10")
    assert problems.errors == [], problems.errors


def tiles(page: Page) -> int:
    return page.locator("[data-testid^='selection-tile-']").count()


def test_the_grid_shows_thumbnails_of_a_big_selection_a_few_at_a_time(
    page: Page, live_app: LiveApp
) -> None:
    problems = watch(page)
    open_explorer(page, live_app)
    page.keyboard.press("a")  # every point
    expect(page.get_by_test_id("selection-count")).to_have_text(f"{DIGITS:,}")
    # Compact rows: many on one screen.
    rows = page.get_by_test_id("selection-list").locator("[data-testid^='selection-row-']")
    expect(rows.first).to_be_visible()
    assert rows.first.bounding_box()["height"] <= 32  # type: ignore[index]

    page.get_by_test_id("selection-layout-grid").click()
    grid = page.get_by_test_id("selection-grid")
    expect(grid).to_be_visible()
    first = grid.locator("[data-testid^='selection-tile-']").first
    expect(first).to_have_attribute("data-media", "image")
    image = first.locator("img")
    expect(image).to_be_visible()
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=image.element_handle())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1000)  # the other tiles settle, for the picture only
    page.screenshot(path=ARTIFACTS / "selection_grid_of_the_digits.png")
    # 1,797 selected, a few dozen tiles (and images) exist: the grid is virtualised.
    shown = tiles(page)
    assert 8 <= shown < 200, shown
    assert grid.locator("img").count() <= shown
    # Scrolling to the end brings the last tiles and drops the first.
    first_id = first.get_attribute("data-testid")
    grid.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(grid.locator(f"[data-testid='{first_id}']")).to_have_count(0)
    assert tiles(page) < 200

    # Hovering a tile rings its point on the map; a click opens its datapoint.
    tile = grid.locator("[data-testid^='selection-tile-']").last
    tile.hover()
    datapoint_id = (tile.get_attribute("data-testid") or "").removeprefix("selection-tile-")
    ringed = page.get_by_test_id("map-ringed")
    expect(ringed).to_be_attached()
    index = int(ringed.get_attribute("data-point") or "-1")
    ids = page.evaluate("() => window.__chromaMapProbe.count")
    assert 0 <= index < ids
    tile.click()
    expect(page.get_by_test_id("tab-datapoint")).to_have_attribute("aria-selected", "true")
    assert url_query(page)["dp"] == datapoint_id
    # Back to the selection: still a grid.
    page.get_by_test_id("tab-selection").click()
    expect(page.get_by_test_id("selection-grid")).to_be_visible()
    expect(page.get_by_test_id("selection-layout-grid")).to_have_attribute("aria-pressed", "true")
    assert problems.errors == [], problems.errors


def test_tiles_without_an_image_show_their_text_or_key(page: Page, files_app: FilesApp) -> None:
    problems = watch(page)
    page.goto(files_app.explore("&m.metadata.file=scan_02"))  # rows 200-239: no images
    wait_for_map(page)
    page.keyboard.press("a")
    expect(page.get_by_test_id("selection-count")).to_have_text("40")
    page.get_by_test_id("selection-layout-grid").click()
    grid = page.get_by_test_id("selection-grid")
    texts = grid.locator("[data-media='text']")
    expect(texts.first).to_be_visible()
    expect(grid.locator("[data-media='image']")).to_have_count(0)
    expect(grid).to_contain_text("a note about scan 200")
    expect(grid).to_contain_text("scan-0201")  # no text: its key
    assert grid.locator("img").count() == 0
    assert count_of(page.get_by_test_id("selection-count")) == 40
    assert problems.errors == [], problems.errors
