"""The density difference of two datasets over the map, in Debian's chromium (issue 17, item 4).

A project of its own: training holds blobs A and B, production blobs A and C (a new kind of
input), A in the same share of each. On a PCA map the Explorer's "Density difference" panel
lists two regions: C ("more production") and B ("less production"), and not A; a click on
a region selects exactly its rows; the overlay is drawn warm over C and cool over B, and
stays on them after a zoom.
"""

from __future__ import annotations

import uuid

import numpy as np
from playwright.sync_api import Page, expect
from ui_browser import ARTIFACTS, needs_built_ui
from ui_data import LiveApp

import chroma
from projection_helpers import computed_projection

pytestmark = needs_built_ui()

SPACE = "s"
CENTRES = {
    "A": [8, 0, 0, 0],
    "B": [0, 8, 0, 0],
    "C": [0, 0, 8, 0],
}
DATASETS = {"train": {"A": 200, "B": 100}, "production": {"A": 180, "C": 90}}


def _project(live_app: LiveApp) -> tuple[str, int]:
    project = f"density-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(17)
    for dataset, blobs in DATASETS.items():
        keys, vectors, labels = [], [], []
        for blob, n in blobs.items():
            centre = np.asarray(CENTRES[blob], dtype=np.float32)
            vectors.append(centre + 0.4 * rng.normal(size=(n, 4)).astype(np.float32))
            keys += [f"{dataset}-{blob}-{i}" for i in range(n)]
            labels += [blob] * n
        with chroma.init(project, dataset, SPACE, url=live_app.url) as run:
            run.log(np.concatenate(vectors).astype(np.float32), ids=keys, labels=labels)
    map_id = computed_projection(live_app.http, project=project, space=SPACE, algorithm="pca")
    return project, map_id


def _overlay_rgba(page: Page, screen: tuple[float, float]) -> list[int]:
    """The overlay canvas's pixel at a point of the map (CSS pixels from its top left)."""
    return page.evaluate(
        """([x, y]) => {
          const canvas = document.querySelector('[data-testid="density-overlay"]');
          const ratio = canvas.width / canvas.clientWidth;
          const data = canvas.getContext('2d').getImageData(
            Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
          return Array.from(data);
        }""",
        list(screen),
    )


def _selected_centre(page: Page) -> tuple[float, float]:
    at = page.evaluate(
        """() => {
          const probe = window.__chromaMapProbe;
          const rows = probe.selected().map((i) => probe.screenOf(i));
          return [rows.reduce((s, p) => s + p[0], 0) / rows.length,
                  rows.reduce((s, p) => s + p[1], 0) / rows.length];
        }"""
    )
    return at[0], at[1]


def test_density_difference_ranks_selects_and_draws_regions(page: Page, live_app: LiveApp) -> None:
    project, map_id = _project(live_app)
    page.goto(f"{live_app.url}/p/{project}/explore?projection={map_id}")
    expect(page.get_by_test_id("map-ready")).to_be_attached()
    panel = page.get_by_test_id("density-panel")
    panel.get_by_text("Density difference").click()  # collapsed by default
    expect(panel.get_by_test_id("density-a")).to_have_value("train")
    expect(panel.get_by_test_id("density-b")).to_have_value("production")

    # C: a third of production's rows and none of training's: "more production". B: a third
    # of training's, none of production's: "less production". A: two thirds of each, no
    # region of its own.
    regions = panel.get_by_test_id("density-regions").locator("button")
    expect(regions).to_have_count(2)
    first = panel.locator('[data-sign="1"]')
    expect(first).to_contain_text("more production")
    expect(first).to_contain_text("0 train · 90 production")
    second = panel.locator('[data-sign="-1"]')
    expect(second).to_contain_text("less production")
    expect(second).to_contain_text("100 train · 0 production")

    first.click()
    expect(page.get_by_test_id("selection-count")).to_contain_text("90")
    page.wait_for_function("() => window.__chromaMapProbe.selected().length === 90")
    c_at = _selected_centre(page)
    second.click()
    page.wait_for_function("() => window.__chromaMapProbe.selected().length === 100")
    b_at = _selected_centre(page)

    # Drawn only when asked; then warm over C, cool over B, nothing far from both.
    expect(page.get_by_test_id("density-overlay")).to_have_count(0)
    panel.get_by_test_id("density-toggle").check()
    expect(page.get_by_test_id("density-overlay")).to_be_attached()
    page.wait_for_timeout(300)
    red, _, blue, alpha = _overlay_rgba(page, c_at)
    assert alpha > 40, alpha
    assert red > blue, (red, blue)
    red, _, blue, alpha = _overlay_rgba(page, b_at)
    assert alpha > 40, alpha
    assert blue > red, (red, blue)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "density-difference.png")

    # A zoom moves the map: the warm patch moves with C.
    canvas = page.get_by_test_id("map-canvas")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(600)
    first.click()
    page.wait_for_function("() => window.__chromaMapProbe.selected().length === 90")
    moved = _selected_centre(page)
    assert abs(moved[0] - c_at[0]) + abs(moved[1] - c_at[1]) > 5, "the zoom did not move the map"
    page.wait_for_timeout(300)
    if 0 <= moved[0] < box["width"] and 0 <= moved[1] < box["height"]:
        red, _, blue, alpha = _overlay_rgba(page, moved)
        assert alpha > 40, alpha
        assert red > blue, (red, blue)

    # Swapping the datasets swaps the signs.
    panel.get_by_test_id("density-a").select_option("production")
    panel.get_by_test_id("density-b").select_option("train")
    expect(panel.locator('[data-sign="-1"]')).to_contain_text("less train")
    expect(panel.locator('[data-sign="-1"]')).to_contain_text("90 production · 0 train")
    expect(panel.locator('[data-sign="1"]')).to_contain_text("0 production · 100 train")
