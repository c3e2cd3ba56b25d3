"""Stale analyses in Debian's chromium (issue 15): an analysis computed before the latest
rows shows a "stale" badge with its tooltip in the project page's list, whose auto refresh
toggle turns it off (and the tooltip says so), and in the Explorer under the colour choice
when its score colours the map. A project of its own: the shared digits stay as they are."""

from __future__ import annotations

import uuid

import numpy as np
from playwright.sync_api import Page, expect
from ui_browser import needs_built_ui
from ui_data import LiveApp

import chroma
from projection_helpers import computed_projection, gql, wait_succeeded

pytestmark = needs_built_ui()

RUN = """mutation ($p: String!) {
  runAnalysis(project: $p, space: "s", kind: "mislabels", params: {k: 5}) { id job { id } } }"""
GET = "query ($id: ID!) { analysis(id: $id) { stale autoRefresh } }"


def _log(url: str, project: str, start: int, n: int) -> None:
    rng = np.random.default_rng(start)
    with chroma.init(project, "train", "s", url=url) as run:
        run.log(
            rng.normal(size=(n, 8)).astype(np.float32),
            ids=[f"k{start + i}" for i in range(n)],
            labels=["a" if i % 2 else "b" for i in range(n)],
        )


def test_a_stale_analysis_is_marked_where_analyses_are_listed(
    page: Page, live_app: LiveApp
) -> None:
    project = f"stale-{uuid.uuid4().hex[:8]}"
    _log(live_app.url, project, 0, 60)
    map_id = computed_projection(live_app.http, project=project, space="s", algorithm="pca")
    started = gql(live_app.http, RUN, p=project)["runAnalysis"]
    wait_succeeded(live_app.http, started["job"]["id"])
    analysis = started["id"]
    _log(live_app.url, project, 60, 5)  # new rows: the analysis predates them
    assert live_app.gql(GET, id=analysis)["analysis"] == {"stale": True, "autoRefresh": True}

    page.goto(f"{live_app.url}/p/{project}")
    badge = page.get_by_test_id(f"stale-{analysis}")
    expect(badge).to_have_text("stale")
    expect(badge.locator("span")).to_have_attribute(
        "title", "computed before the latest data; recomputing…"
    )
    toggle = page.get_by_test_id(f"auto-refresh-{analysis}")
    expect(toggle).to_be_checked()
    toggle.click()  # the box follows the server: checked until it answers
    expect(toggle).not_to_be_checked()
    expect(badge.locator("span")).to_have_attribute(
        "title",
        "computed before the latest data; recompute it (auto refresh is off)",
    )
    assert live_app.gql(GET, id=analysis)["analysis"] == {"stale": True, "autoRefresh": False}

    color = f"analysis.{analysis}.mislabel_score"
    page.goto(f"{live_app.url}/p/{project}/explore?projection={map_id}&color={color}")
    expect(page.get_by_test_id(f"stale-{analysis}")).to_have_text("stale")
    expect(page.locator(".x-stale-note")).to_contain_text("mislabels scores predate")
