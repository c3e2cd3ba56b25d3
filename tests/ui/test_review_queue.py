"""The review queue in a real browser (issue 15, item 1), on a server with auth on.

A small labelled dataset (three clusters, a few labels flipped), a PCA map and a mislabels
analysis. An editor (the server's token) opens the Explorer, starts the review from the
sidebar, accepts a suggestion with ``a``, marks a row not sure with ``n``, skips one with
``s`` and undoes the last decision with ``z``; GraphQL then holds exactly the relabel (and
the undone "not sure"), and the datapoint's label is the suggestion. A viewer sees the same
queue read-only: no decision goes through.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect
from ui_browser import ARTIFACTS, needs_built_ui, watch

from chroma.db.store import open_store
from chroma.services import users
from chroma.services.principals import Role
from chroma.settings import Settings
from live_server import LiveServer
from projection_helpers import computed_projection, gql, ingest, wait_succeeded

pytestmark = needs_built_ui()

TOKEN = "review-token-0123456789abcdef"
PROJECT = "review"
SPACE = "clip"
DIM = 8
FLIPPED = {5: "c1", 16: "c2", 27: "c0", 40: "c0", 44: "c1", 52: "c0"}

HISTORY = """
query ($undone: Boolean!) {
  labelCorrections(project: "review", includeUndone: $undone) {
    id datapointId decision labelBefore labelAfter source undoneAt
  }
}
"""
LABEL = 'query ($id: ID!) { datapoint(project: "review", id: $id) { label } }'


@dataclass
class ReviewApp:
    url: str
    server: LiveServer
    http: httpx.Client
    projection: int
    analysis: int

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        return gql(self.http, query, **variables)

    def label(self, datapoint_id: str) -> str | None:
        return self.gql(LABEL, id=datapoint_id)["datapoint"]["label"]  # type: ignore[no-any-return]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[ReviewApp]:
    settings = Settings(
        data_dir=tmp_path / "data", auth_token=TOKEN, auto_jobs=False, job_prewarm=False
    )
    with (
        LiveServer(open_store(settings), owns_store=True) as server,
        httpx.Client(
            base_url=server.url, timeout=60, headers={"authorization": f"Bearer {TOKEN}"}
        ) as http,
    ):
        rng = np.random.default_rng(3)
        centres = rng.normal(size=(3, DIM)).astype(np.float32) * 4
        cluster = np.arange(60) % 3
        vectors = (centres[cluster] + 0.3 * rng.normal(size=(60, DIM))).astype(np.float32)
        labels = [FLIPPED.get(i, f"c{c}") for i, c in enumerate(cluster)]
        ingest(
            http,
            [f"row-{i}" for i in range(60)],
            vectors,
            project=PROJECT,
            space=SPACE,
            labels=labels,
        )
        projection = computed_projection(http, project=PROJECT, space=SPACE)
        started = gql(
            http,
            # Every disputed row gets a suggestion (the default review_share, 5%, would
            # flag 3 of these 60 rows; the queue needs a few more to step through).
            'mutation { runAnalysis(project: "review", space: "clip", kind: "mislabels", '
            "params: {review_share: 0.5}) { id job { id } } }",
        )["runAnalysis"]
        wait_succeeded(http, started["job"]["id"])
        yield ReviewApp(server.url, server, http, projection, int(started["id"]))


def sign_in(page: Page, app: ReviewApp, token: str, query: str = "") -> None:
    page.goto(f"{app.url}/p/{PROJECT}/explore?projection={app.projection}{query}")
    page.get_by_test_id("sign-in-token").fill(token)
    page.get_by_test_id("sign-in-submit").click()
    expect(page.get_by_test_id("map-ready")).to_be_attached(timeout=60_000)


def unexpected_errors(page: Page) -> list[str]:
    return [e for e in page.problems.errors if "status of 401" not in e]  # type: ignore[attr-defined]


def current_row(page: Page) -> str:
    row = page.get_by_test_id("review-row")
    expect(row).to_be_visible()
    found = row.get_attribute("data-datapoint-id")
    assert found
    return found


def expect_position(page: Page, position: int) -> int:
    """Wait for "<position> / <total>"; the total."""
    shown = page.get_by_test_id("review-position")
    expect(shown).to_contain_text(f"{position} / ")
    text = shown.inner_text()
    assert text.startswith(f"{position} / "), text
    return int(text.split("/")[1])


def test_decide_skip_and_undo_in_the_review_queue(page: Page, app: ReviewApp) -> None:
    sign_in(page, app, TOKEN)
    page.get_by_test_id(f"review-start-{app.analysis}").click()
    expect(page.get_by_test_id("review-panel")).to_be_visible()
    total = expect_position(page, 1)
    assert total >= 4
    assert f"review={app.analysis}" in page.url
    expect(page.get_by_test_id("review-evidence")).to_be_visible()

    first = current_row(page)
    suggestion = page.get_by_test_id("review-suggestion").inner_text().strip()
    before = app.label(first)
    assert suggestion
    assert suggestion != before
    page.keyboard.press("a")
    expect_position(page, 2)

    second = current_row(page)
    assert second != first
    second_label = app.label(second)
    page.keyboard.press("n")
    expect_position(page, 3)

    third = current_row(page)
    page.keyboard.press("s")
    expect_position(page, 4)

    page.keyboard.press("z")
    expect_position(page, 2)
    assert current_row(page) == second
    history = page.get_by_test_id("review-history")
    expect(history.locator("[data-undone='true']")).to_have_count(1)
    expect(history.locator("[data-undone='false']")).to_have_count(1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "review-queue-open.png")

    live = app.gql(HISTORY, undone=False)["labelCorrections"]
    assert [(c["datapointId"], c["decision"], c["labelBefore"], c["labelAfter"]) for c in live] == [
        (first, "RELABEL", before, suggestion)
    ]
    assert {c["source"] for c in live} == {"mislabels"}
    every = app.gql(HISTORY, undone=True)["labelCorrections"]
    undone = [c for c in every if c["undoneAt"]]
    assert [(c["datapointId"], c["decision"]) for c in undone] == [(second, "UNSURE")]
    assert len(every) == 2
    assert app.label(first) == suggestion
    assert app.label(second) == second_label
    assert third not in {c["datapointId"] for c in every}

    # A later decision elsewhere on the relabelled row: undoing ours is refused, saying why.
    other = next(label for label in ("c0", "c1", "c2") if label != suggestion)
    app.gql(
        'mutation ($id: ID!, $label: String!) { correctLabels(project: "review", '
        "corrections: [{datapointId: $id, decision: RELABEL, label: $label}]) { id } }",
        id=first,
        label=other,
    )
    page.keyboard.press("z")
    expect(page.get_by_test_id("review-message")).to_contain_text("Cannot undo")
    assert app.label(first) == other

    # Escape closes the queue (and its part of the URL).
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("review-panel")).to_have_count(0)
    assert "review=" not in page.url
    assert unexpected_errors(page) == []


def test_a_viewer_sees_the_queue_read_only(browser: Browser, app: ReviewApp) -> None:
    users.add_user(app.server.store, "vera", Role.VIEWER)
    token = users.create_token(app.server.store, "vera", "browser").token
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.problems = watch(page)  # type: ignore[attr-defined]
    try:
        sign_in(page, app, token, f"&review={app.analysis}")
        expect(page.get_by_test_id("review-readonly")).to_be_visible()
        expect_position(page, 1)
        expect(page.get_by_test_id("review-accept")).to_be_disabled()
        expect(page.get_by_test_id("review-unsure")).to_be_disabled()
        page.keyboard.press("a")
        page.keyboard.press("n")
        page.keyboard.press("s")
        expect_position(page, 2)
        assert app.gql(HISTORY, undone=True)["labelCorrections"] == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "review-queue-viewer.png")
        assert unexpected_errors(page) == []
    finally:
        context.close()
