"""The Explorer's first frame with its layers, and a map that turns ready while open, in
Debian's chromium against the real server (issue 16).

A project of its own (three blobs, a PCA map, a clusters analysis). The cluster labels
need the analysis's summary (GraphQL) and its cluster column (a points request): both are
asked for while the points are still loading, not after them, so the labels are on the
page when the map first says it is ready. The test holds the points response (Playwright's
routing) until both have been asked for: before, neither started until the points were in.

A map still queued when the page opens loads its points once the poll reads READY: the
page never shows the computing map's empty table as a ready map (0 points, no loading
overlay), which it did for one render before.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import numpy as np
from playwright.sync_api import Page, Request, Route, expect
from ui_browser import needs_built_ui
from ui_data import LiveApp

import chroma
from projection_helpers import (
    CREATE_PROJECTION,
    computed_projection,
    gql,
    queue_wait_job,
    wait_job,
    wait_succeeded,
)

pytestmark = needs_built_ui()

SPACE = "s"
CLUSTERS = """mutation ($p: String!) {
  runAnalysis(project: $p, space: "s", kind: "clusters", params: {min_cluster_size: 10}) {
    id job { id } } }"""
SUMMARIES = "query ($p: String!) { project(name: $p) { spaces { analyses { id summary } } } }"
ROWS = 150

# Installed before the page's scripts: notes what the page showed, on every DOM change (a
# React commit is one batch of changes, so each state the page was in is seen whole).
WATCH = """
(() => {
  const seen = { readyCounts: [], labelsAtReady: null, emptyShown: false, frames: [] };
  window.__seen = seen;
  const look = () => {
    const ready = document.querySelector('[data-testid="map-ready"]');
    if (ready) {
      const points = ready.getAttribute('data-points');
      if (seen.readyCounts[seen.readyCounts.length - 1] !== points) seen.readyCounts.push(points);
      if (seen.labelsAtReady === null)
        seen.labelsAtReady = document.querySelectorAll('[data-testid^="cluster-label-"]').length;
    }
    const status = document.querySelector('.x-statusbar');
    const loading = document.querySelector('[data-testid="points-loading"]');
    if (status && !loading && status.textContent.trim().startsWith('0 points'))
      seen.emptyShown = true;
  };
  new MutationObserver(look).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
  let stats;
  Object.defineProperty(window, '__chromaMap', {
    configurable: true,
    get: () => stats,
    set: (value) => { stats = value; seen.frames.push(value.pointCount); },
  });
})();
"""


def _project(live_app: LiveApp) -> tuple[str, int]:
    """Three well separated blobs, labelled; a PCA map."""
    project = f"layers-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(17)
    centres = np.array([[8, 0, 0, 0], [0, 8, 0, 0], [0, 0, 8, 0]], dtype=np.float32)
    blob = np.arange(ROWS) % 3
    vectors = centres[blob] + 0.4 * rng.normal(size=(ROWS, 4)).astype(np.float32)
    with chroma.init(project, "train", SPACE, url=live_app.url) as run:
        run.log(
            vectors.astype(np.float32),
            ids=[f"r{i}" for i in range(ROWS)],
            labels=[f"blob{b}" for b in blob],
        )
    map_id = computed_projection(live_app.http, project=project, space=SPACE, algorithm="pca")
    return project, map_id


def _seen(page: Page) -> dict[str, Any]:
    seen: dict[str, Any] = page.evaluate("() => window.__seen")
    return seen


def test_cluster_labels_are_asked_for_alongside_the_points(page: Page, live_app: LiveApp) -> None:
    project, map_id = _project(live_app)
    started = gql(live_app.http, CLUSTERS, p=project)["runAnalysis"]
    wait_succeeded(live_app.http, started["job"]["id"])
    analysis = gql(live_app.http, SUMMARIES, p=project)["project"]["spaces"][0]["analyses"][0]
    clusters = analysis["summary"]["clusters"]
    column = f"analysis.{analysis['id']}.cluster"

    # The points without the cluster column wait until the labels' column and summary
    # have been asked for (before, both waited for the points: this would never happen).
    release = threading.Event()
    held: list[Route] = []
    column_asked = threading.Event()

    def points(route: Route) -> None:
        if column in route.request.url:
            column_asked.set()
            route.continue_()
        elif release.is_set():
            route.continue_()
        else:
            held.append(route)

    def is_summaries(request: Request) -> bool:
        return "AnalysisSummaries" in request.url + (request.post_data or "")

    asked: list[str] = []  # the summaries' and the column's requests, as they are sent
    answered: list[str] = []  # and once their answers are in
    page.on("request", lambda r: asked.append(r.url) if is_summaries(r) else None)
    page.on(
        "requestfinished",
        lambda r: answered.append(r.url) if is_summaries(r) or column in r.url else None,
    )
    page.route("**/api/v1/points?*", points)
    page.add_init_script(WATCH)
    page.goto(f"{live_app.url}/p/{project}/explore?projection={map_id}")

    expect(page.get_by_test_id("points-loading")).to_be_visible()
    # Waiting (the routing callbacks run meanwhile) for both answers while the points wait.
    for _ in range(600):
        if len(answered) >= 2 and held:
            break
        page.wait_for_timeout(100)
    assert column_asked.is_set(), "the cluster column was not asked for while the points load"
    assert asked, "the summaries were not asked for while the points load"
    assert len(answered) >= 2, answered
    assert held, "the points request was not seen"
    page.wait_for_timeout(300)  # the column decoded (a worker) and merged: not a timing check
    release.set()
    for route in held:
        route.continue_()

    ready = page.locator(f'[data-testid="map-ready"][data-points="{ROWS}"]')
    expect(ready).to_be_attached(timeout=60_000)
    for cluster in clusters:
        expect(page.get_by_test_id(f"cluster-label-{cluster['cluster']}")).to_be_visible()
    seen = _seen(page)
    assert seen["labelsAtReady"] == len(clusters), seen
    assert seen["readyCounts"] == [str(ROWS)], seen


def test_a_map_that_turns_ready_is_never_shown_empty(page: Page, live_app: LiveApp) -> None:
    project, _ = _project(live_app)
    # Both workers busy: the new map waits in the queue while the page is open.
    for _ in range(2):
        queue_wait_job(live_app.store, 5)
    created = gql(
        live_app.http, CREATE_PROJECTION, project=project, space=SPACE, algorithm="pca", params={}
    )["createProjection"]
    page.add_init_script(WATCH)
    page.goto(f"{live_app.url}/p/{project}/explore?projection={created['id']}")
    expect(page.get_by_test_id("map-computing")).to_be_visible()
    job = wait_job(live_app.http, created["job"]["id"])
    assert job["state"] == "SUCCEEDED", job
    ready = page.locator(f'[data-testid="map-ready"][data-points="{ROWS}"]')
    expect(ready).to_be_attached(timeout=60_000)
    seen = _seen(page)
    assert seen["readyCounts"] == [str(ROWS)], seen
    assert seen["frames"] == [ROWS], seen
    assert seen["emptyShown"] is False, seen
