"""The step slider in Debian's chromium: a map of a family's step shows a slider over the
family's steps; moving it animates the points to the next step's (aligned) map, then opens
that map, where "Colour by movement" colours by the served ``movement`` column. A family
with one step says there is nothing to move between. A project of its own."""

from __future__ import annotations

import re
import uuid

import numpy as np
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


def test_the_step_slider_moves_the_points_to_the_next_step(page: Page, live_app: LiveApp) -> None:
    project = f"steps-{uuid.uuid4().hex[:8]}"
    _log_steps(live_app.url, project, 2)
    first = computed_projection(live_app.http, project=project, space="mlp@step=0")
    created = gql(live_app.http, ALIGNED, p=project, s="mlp@step=1", to=str(first))
    wait_succeeded(live_app.http, created["createProjection"]["job"]["id"])
    second = created["createProjection"]["id"]

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
