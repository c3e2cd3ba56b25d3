"""The notebook widget's front end in Debian's chromium: the real bundle
(src/chroma/notebook/static/widget.js) rendered by a static harness page
(widget_harness.html) that implements the anywidget model, fed the state and the points
bytes of a real ``chroma.show`` widget on the live digits server. It draws the map, a
selection made in Python highlights, and a lasso in the page reaches the model (and
through it ``widget.selection``).

The map's own numbers come from ``window.__chromaMapProbe`` (map/probe.ts); pixels only
say that something is drawn and that the selection changed the picture.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from ipywidgets.widgets.widget import _remove_buffers
from PIL import Image, ImageChops
from playwright.sync_api import Page, Route, expect
from ui_data import PROJECT, LiveApp

import chroma
from chroma.notebook import MapWidget
from chroma.notebook._bundle import BUNDLE

HARNESS = Path(__file__).with_name("widget_harness.html")
ORIGIN = "http://widget.test"
"""The harness's made-up origin (Playwright answers it): no server, no cross-origin."""
DIGITS = 1797

# As the UI's own tests: a skip, saying why, only outside CI (whose test command builds it).
pytestmark = pytest.mark.skipif(
    os.environ.get("CI") != "true" and not BUNDLE.is_file(),
    reason=f"the notebook widget is not built ({BUNDLE} is missing): `make ui` builds it",
)


@pytest.fixture
def widget(live_app: LiveApp) -> MapWidget:
    shown = chroma.show(PROJECT, live_app.projection_id, url=live_app.url)
    assert isinstance(shown, MapWidget)
    return shown


def kernel_state(widget: MapWidget) -> dict[str, Any]:
    """The model state a widget manager gets: the traits, the points as a buffer."""
    state, paths, buffers = _remove_buffers(widget.get_state())
    assert paths == [["points"]]
    shared = {k: v for k, v in state.items() if not k.startswith("_")}
    return {"state": shared, "points": base64.b64encode(bytes(buffers[0])).decode("ascii")}


def open_harness(page: Page, widget: MapWidget) -> None:
    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/widget.js":
            route.fulfill(path=BUNDLE, content_type="text/javascript")
        else:
            route.fulfill(path=HARNESS, content_type="text/html")

    page.route(f"{ORIGIN}/**", answer)
    page.add_init_script(f"window.__kernelState = {json.dumps(kernel_state(widget))};")
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("() => window.__chromaMapProbe?.count > 0", timeout=60_000)
    page.wait_for_timeout(300)  # the frame after the draw


def canvas_image(page: Page) -> Image.Image:
    png = page.get_by_test_id("map-canvas").screenshot()
    return Image.open(io.BytesIO(png)).convert("RGB")


def pixels_unlike(image: Image.Image, other: Image.Image) -> int:
    """Pixels that differ clearly (more than antialiasing) between two images."""
    difference = ImageChops.difference(image, other).convert("L")
    return sum(difference.histogram()[25:])


def drawn_pixels(image: Image.Image) -> int:
    """Pixels unlike the background (the top-left corner's colour)."""
    background = Image.new("RGB", image.size, image.getpixel((0, 0)))  # type: ignore[arg-type]
    return pixels_unlike(image, background)


def probe(page: Page, expression: str) -> Any:
    return page.evaluate(f"() => window.__chromaMapProbe.{expression}")


def test_the_widget_draws_the_maps_points(page: Page, widget: MapWidget) -> None:
    open_harness(page, widget)
    assert probe(page, "count") == DIGITS
    assert drawn_pixels(canvas_image(page)) > 2_000
    # Coloured by label: the points of one digit share a colour, two digits differ.
    labels = widget.map_points.table.column("label").to_pylist()
    first = {label: labels.index(label) for label in ("0", "1")}
    colours = {label: probe(page, f"colorOf({i})") for label, i in first.items()}
    assert colours["0"] != colours["1"]
    expect(page.get_by_test_id("widget-legend")).to_contain_text("0")
    assert page.problems.errors == []  # type: ignore[attr-defined]


def test_a_selection_set_in_python_highlights_in_the_map(page: Page, widget: MapWidget) -> None:
    open_harness(page, widget)
    before = canvas_image(page)
    keys = widget.map_points.table.column("key").to_pylist()
    widget.selection = keys[:40]
    page.evaluate("rows => window.__fromKernel('selected_indices', rows)", widget.selected_indices)
    expect(page.get_by_test_id("widget-selection-count")).to_have_text("40 selected")
    assert sorted(probe(page, "selected()")) == widget.selected_indices
    page.wait_for_timeout(300)
    assert pixels_unlike(before, canvas_image(page)) > 50  # drawn highlighted
    assert page.evaluate("window.__saved") == []  # the kernel's own change is not echoed


def test_a_lasso_in_the_page_reaches_the_model(page: Page, widget: MapWidget) -> None:
    open_harness(page, widget)
    page.get_by_test_id("widget-lasso").click()
    box = page.get_by_test_id("map-canvas").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    half = min(box["width"], box["height"]) * 0.2
    corners = [(cx - half, cy - half), (cx + half, cy - half), (cx + half, cy + half)]
    corners += [(cx - half, cy + half), (cx - half, cy - half + 1)]
    page.mouse.move(*corners[0])
    page.mouse.down()
    for x, y in corners[1:]:
        page.mouse.move(x, y, steps=12)
        page.wait_for_timeout(30)
    page.mouse.up()
    page.wait_for_function("() => window.__saved.some(s => s.selected_indices?.length > 0)")
    saved = page.evaluate("window.__saved.filter(s => 'selected_indices' in s).at(-1)")
    rows = saved["selected_indices"]
    assert 0 < len(rows) < DIGITS
    assert rows == sorted(probe(page, "selected()"))
    # Every lassoed point is inside the lasso's square on the canvas.
    for row in rows[:50]:
        x, y = probe(page, f"screenOf({row})")
        assert abs(box["x"] + x - cx) <= half + 2
        assert abs(box["y"] + y - cy) <= half + 2
    # The kernel applies the model's change: widget.selection is those datapoints.
    widget.set_state({"selected_indices": rows})
    keys = widget.map_points.table.column("key").to_pylist()
    assert sorted(widget.selection["key"]) == sorted(keys[i] for i in rows)
    expect(page.get_by_test_id("widget-selection-count")).to_have_text(f"{len(rows)} selected")


def test_colour_by_from_the_menu_and_from_python(page: Page, widget: MapWidget) -> None:
    open_harness(page, widget)
    page.get_by_test_id("widget-color-by").select_option("dataset")
    assert page.evaluate("window.__saved.at(-1)") == {"color_by": "dataset"}
    expect(page.get_by_test_id("widget-legend")).to_contain_text("train")
    page.evaluate("() => window.__fromKernel('color_by', '')")
    expect(page.get_by_test_id("widget-legend")).to_have_count(0)
    # Colour by nothing: one colour. The legend goes at once; the map's probe follows when
    # the redraw is done, so wait for it (a read in between mixed the two encodings).
    page.wait_for_function(
        """(step) => { const probe = window.__chromaMapProbe; const seen = new Set();
          for (let i = 0; i < probe.count; i += step) seen.add(probe.colorOf(i));
          return seen.size === 1 && !seen.has(''); }""",
        arg=97,
    )
