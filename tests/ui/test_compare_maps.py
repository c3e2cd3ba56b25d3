"""Two maps side by side, linked by datapoint, in Debian's chromium (issue 17, item 2).

A project of its own: the same 240 datapoints logged in two spaces ("before" and "after":
in "after" blob 2 has moved onto blob 1, a model that confuses them, and blob 0 is as it
was) in a different order per space, a PCA map of each, and a comparison of the two
spaces. The compare page draws both maps; a click on a point of one selects the same
datapoint on the other, a hover rings it there; colouring by the neighbourhood change
colours a datapoint alike on both maps (the comparison lives on one space and is carried to
the other by datapoint).
"""

from __future__ import annotations

import uuid
from collections import Counter

import numpy as np
from playwright.sync_api import Page, expect
from ui_browser import ARTIFACTS, needs_built_ui
from ui_data import LiveApp

import chroma
from projection_helpers import computed_projection

pytestmark = needs_built_ui()

N = 240


def _project(live_app: LiveApp) -> str:
    project = f"compare-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(172)
    blob = np.arange(N) % 3
    keys = [f"row-{i}" for i in range(N)]
    centres = np.array([[8, 0, 0, 0], [0, 8, 0, 0], [0, 0, 8, 0]], dtype=np.float32)
    before = centres[blob] + 0.5 * rng.normal(size=(N, 4)).astype(np.float32)
    after = before.copy()  # blob 0 keeps its neighbours; blob 2 moves onto blob 1
    after[blob == 2] += centres[1] - centres[2]
    order = rng.permutation(N)  # "after" logs the rows in another order: ids differ in order
    with chroma.init(project, "train", "before", url=live_app.url) as run:
        run.log(before, ids=keys, labels=[f"blob{b}" for b in blob])
    with chroma.init(project, "train", "after", url=live_app.url) as run:
        labels = [f"blob{blob[i]}" for i in order]
        run.log(after[order], ids=[keys[i] for i in order], labels=labels)
        run.compare("before", "after", k=10, progress=False)
    for space in ("before", "after"):
        computed_projection(live_app.http, project=project, space=space, algorithm="pca")
    return project


def _probe(page: Page, side: str, script: str):
    return page.evaluate(f"() => {{ const p = window.__chromaMapProbes['{side}']; {script} }}")


def _inner_point(page: Page, side: str, box: dict[str, float]) -> int:
    """A point well inside the map's canvas (one at its edge may be half outside)."""
    return _probe(
        page,
        side,
        f"""let best = -1, distance = Infinity;
            for (let i = 0; i < p.count; i++) {{
              const [x, y] = p.screenOf(i);
              const d = Math.hypot(x - {box["width"] / 2}, y - {box["height"] / 2});
              if (d < distance) {{ distance = d; best = i; }}
            }}
            return best;""",
    )


def test_two_maps_are_linked_by_datapoint(page: Page, live_app: LiveApp) -> None:
    project = _project(live_app)
    page.goto(f"{live_app.url}/p/{project}")
    page.get_by_test_id("open-compare").click()
    expect(page.get_by_test_id("compare-page")).to_be_visible()
    expect(page.get_by_test_id("compare-left-count")).to_have_text(f"{N} points")
    expect(page.get_by_test_id("compare-right-count")).to_have_text(f"{N} points")
    page.wait_for_function(
        f"""() => ['left', 'right'].every((s) => window.__chromaMapProbes?.[s]?.count === {N})"""
    )
    # The two maps are of the two spaces (the page puts another space beside the first).
    left_label = page.get_by_test_id("compare-left").locator(".c-pane__title").inner_text()
    right_label = page.get_by_test_id("compare-right").locator(".c-pane__title").inner_text()
    assert {left_label.split(" · ")[0], right_label.split(" · ")[0]} == {"before", "after"}

    # A click on a point of the left map selects that datapoint on both maps.
    box = page.get_by_test_id("compare-left").locator("canvas").bounding_box()
    assert box is not None
    row = _inner_point(page, "left", box)
    at = _probe(page, "left", f"return p.screenOf({row});")
    page.mouse.click(box["x"] + at[0], box["y"] + at[1])
    page.wait_for_function("() => window.__chromaMapProbes.left.selected().length === 1")
    expect(page.get_by_test_id("compare-status")).to_contain_text(
        "1 selected on the left · 1 of them on the other map"
    )
    left_row = _probe(page, "left", "return p.selected()[0];")
    right_rows = _probe(page, "right", "return p.selected();")
    assert len(right_rows) == 1
    # The same datapoint (the spaces logged the rows in different orders: other rows).
    ids = page.evaluate(
        """([l, r]) => { const t = window.__chromaCompareTables;
                         return [t.left.ids[l], t.right.ids[r]]; }""",
        [left_row, right_rows[0]],
    )
    assert ids[0] == ids[1], ids

    # Hovering a point on the right rings the same datapoint on the left.
    at_right = _probe(page, "right", f"return p.screenOf({right_rows[0]});")
    rbox = page.get_by_test_id("compare-right").locator("canvas").bounding_box()
    assert rbox is not None
    page.mouse.move(rbox["x"] + at_right[0] - 20, rbox["y"] + at_right[1] - 20)
    page.mouse.move(rbox["x"] + at_right[0], rbox["y"] + at_right[1], steps=8)
    expect(page.get_by_test_id("compare-left-ringed")).to_have_attribute(
        "data-point", str(left_row)
    )

    # Colour by the neighbourhood change: a datapoint has the same colour on both maps, and
    # the rows whose neighbours changed (blobs 1 and 2 merged) differ from those that kept
    # them (blob 0).
    page.get_by_test_id("compare-color").select_option("moved")
    # The column loads on demand (on the map of the comparison's first space); meanwhile the
    # maps are grey (no value yet), then every shared datapoint has a colour.
    page.wait_for_function(
        """() => ['left', 'right'].every((side) => {
          const p = window.__chromaMapProbes[side];
          const grey = getComputedStyle(document.documentElement)
            .getPropertyValue('--map-null').trim() || '#b9bbbf';
          const colours = Array.from({ length: p.count }, (_, i) => p.colorOf(i));
          return colours.every((c) => c !== grey) && new Set(colours).size > 1;
        })"""
    )
    colours = page.evaluate(
        """() => {
          const { left, right } = window.__chromaMapProbes;
          const tables = window.__chromaCompareTables;
          const label = tables.left.columns.get('label');
          const byId = new Map();
          for (let i = 0; i < right.count; i++) byId.set(tables.right.ids[i], right.colorOf(i));
          const out = [];
          for (let i = 0; i < left.count; i++) {
            out.push([label.values[label.codes[i]], left.colorOf(i), byId.get(tables.left.ids[i])]);
          }
          return out;
        }"""
    )
    assert all(left == right for _, left, right in colours), colours[:5]
    kept = Counter(c for label, c, _ in colours if label == "blob0").most_common(1)
    moved = Counter(c for label, c, _ in colours if label != "blob0").most_common(1)
    assert kept[0][0] != moved[0][0], (kept, moved)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "compare-maps.png")
