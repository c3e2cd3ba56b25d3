"""The step slider in Debian's chromium: a map of a family's step shows a slider over the
family's steps; moving it animates the points (on the GPU, without redrawing them from the
page) to the next step's (aligned) map, ending where that map then draws them, then opens
that map, where "Colour by movement" colours by the served ``movement`` column. A family
with one step says there is nothing to move between. A project of its own."""

from __future__ import annotations

import re
import uuid

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from ui_browser import needs_built_ui
from ui_data import LiveApp

import chroma
from projection_helpers import computed_projection, gql, wait_succeeded

pytestmark = needs_built_ui()

ALIGNED = """mutation ($p: String!, $s: String!, $to: ID!) {
  createProjection(project: $p, space: $s, algorithm: "pca", alignTo: $to) { id job { id } } }"""


def _log_steps(url: str, project: str, steps: int) -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(80, 8)).astype(np.float32)
    with chroma.init(project, "train", "mlp", url=url) as run:
        for step in range(steps):
            moved = base + 0.3 * step * rng.normal(size=base.shape).astype(np.float32)
            run.log(moved, ids=[f"k{i}" for i in range(80)], labels=["a", "b"] * 40, step=step)


# Where each point of the map drawn last is on the canvas (CSS pixels), by point index.
PLACES = """() => {
  const probe = window.__chromaMapProbe;
  return Array.from({ length: probe.count }, (_, i) => probe.screenOf(i));
}"""

# At the moment the motion ends (the slider records it in window.__chromaSteps, then opens
# the next map, which replaces this one): where the moving map left each point, and how
# many times the page drew the points meanwhile (the map's `draw-start` marks).
AT_THE_END = """() => {
  const before = performance.getEntriesByName('chroma:draw-start').length;
  let playback;
  Object.defineProperty(window, '__chromaSteps', {
    configurable: true,
    get: () => playback,
    set(value) {
      const probe = window.__chromaMapProbe;
      window.__stepEnd = {
        probe,
        places: Array.from({ length: probe.count }, (_, i) => probe.screenOf(i)),
        draws: performance.getEntriesByName('chroma:draw-start').length - before,
      };
      playback = value;
    },
  });
}"""


def _two_aligned_steps(live_app: LiveApp, prefix: str) -> tuple[str, int, int]:
    """A project whose family has steps 0 and 1, step 1's map aligned to step 0's."""
    project = f"{prefix}-{uuid.uuid4().hex[:8]}"
    _log_steps(live_app.url, project, 2)
    first = computed_projection(live_app.http, project=project, space="mlp@step=0")
    created = gql(live_app.http, ALIGNED, p=project, s="mlp@step=1", to=str(first))
    wait_succeeded(live_app.http, created["createProjection"]["job"]["id"])
    return project, first, int(created["createProjection"]["id"])


def test_the_step_slider_moves_the_points_to_the_next_step(page: Page, live_app: LiveApp) -> None:
    project, first, second = _two_aligned_steps(live_app, "steps")

    page.goto(f"{live_app.url}/p/{project}/explore?projection={first}")
    expect(page.get_by_test_id("map-ready")).to_be_attached(timeout=60_000)
    slider = page.get_by_test_id("step-slider")
    expect(slider).to_be_visible()
    expect(page.get_by_test_id("step-movement")).to_be_disabled()  # step 0 moved from nowhere

    page.get_by_test_id("step-range").fill("1")

    expect(page).to_have_url(re.compile(rf"projection={second}\b"))
    expect(page.get_by_test_id("map-ready")).to_be_attached(timeout=60_000)
    movement = page.get_by_test_id("step-movement")
    expect(movement).to_be_enabled()
    movement.click()
    expect(page).to_have_url(re.compile(r"color=movement"))


def test_a_family_with_one_step_has_nothing_to_animate(page: Page, live_app: LiveApp) -> None:
    project = f"one-step-{uuid.uuid4().hex[:8]}"
    _log_steps(live_app.url, project, 1)
    only = computed_projection(live_app.http, project=project, space="mlp@step=0")

    page.goto(f"{live_app.url}/p/{project}/explore?projection={only}")
    expect(page.get_by_test_id("map-ready")).to_be_attached(timeout=60_000)
    expect(page.get_by_test_id("step-note")).to_contain_text("mlp has one step (0)")
    expect(page.get_by_test_id("step-range")).to_have_count(0)


def test_the_motion_ends_where_the_next_step_draws_each_point(
    page: Page, live_app: LiveApp
) -> None:
    project, first, second = _two_aligned_steps(live_app, "motion")
    # The points' ids in each map's row order (the order the page draws them in).
    ids = {
        projection: chroma.get_projection(projection, url=live_app.url).points([])["id"].tolist()
        for projection in (first, second)
    }

    page.goto(f"{live_app.url}/p/{project}/explore?projection={first}")
    expect(page.get_by_test_id("map-ready")).to_be_attached(timeout=60_000)
    start = page.evaluate(PLACES)
    page.evaluate(AT_THE_END)
    page.get_by_test_id("step-range").fill("1")

    expect(page).to_have_url(re.compile(rf"projection={second}\b"))
    # The next step's own map is drawn (a probe other than the moving map's).
    page.wait_for_function(
        "window.__stepEnd && window.__chromaMapProbe !== window.__stepEnd.probe",
        timeout=60_000,
    )
    expect(page.get_by_test_id("map-ready")).to_be_attached(timeout=60_000)
    end = page.evaluate("window.__stepEnd.places")
    draws = page.evaluate("window.__stepEnd.draws")
    played = page.evaluate("window.__chromaSteps")
    opened = page.evaluate(PLACES)

    assert len(start) == len(end) == len(opened) == 80
    assert draws == 0  # every frame of the motion was the GPU's: the page drew nothing
    assert played["points"] == 80
    assert played["frames"] >= 1
    row_on_next = {point: row for row, point in enumerate(ids[second])}
    moved = 0
    for row, point in enumerate(ids[first]):
        there = opened[row_on_next[point]]
        # No jump when the next map opens: the motion ended where it draws the point.
        assert end[row] == pytest.approx(there, abs=0.5), point
        moved += abs(end[row][0] - start[row][0]) + abs(end[row][1] - start[row][1]) > 1
    assert moved > 60  # and the points did move (step 1 is step 0 plus noise)
