"""Browser tests: Playwright driving Debian's chromium (/usr/bin/chromium, installed by
scripts/browser.sh; Playwright never downloads a browser of its own) against the real
server (``live_app``: a LiveServer on SQLite with the digits logged through the SDK).

Every test leaves a screenshot in test-artifacts/ui/<test>.png, and <test>-FAILED.png
when it failed. Tests that need the built UI skip, saying so, only while
``src/chroma/server/static/index.html`` is missing; the test command builds the UI first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from ui_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, watch
from ui_data import LiveApp, start_live_app

expect.set_options(timeout=20_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/browser.sh` (installs Debian's chromium)",
            pytrace=False,
        )
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield launched
    finally:
        launched.close()


def _artifact_name(node_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node_id.split("::", 1)[-1])[:150]


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page (own context: no cookies or storage shared), screenshotted at the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    opened.problems = watch(opened)  # type: ignore[attr-defined]
    try:
        yield opened
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = _artifact_name(request.node.nodeid)
        failed = any(
            getattr(getattr(request.node, f"report_{when}", None), "failed", False)
            for when in ("setup", "call")
        )
        for shown in context.pages:
            suffix = "" if shown is opened else f"-{context.pages.index(shown)}"
            try:
                shown.screenshot(path=ARTIFACTS / f"{name}{suffix}.png", full_page=True)
                if failed:
                    shown.screenshot(path=ARTIFACTS / f"{name}{suffix}-FAILED.png")
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"screenshot of {name}{suffix} failed: {exc}")
        context.close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The real server on SQLite with the digits logged through the SDK and a PCA map."""
    with start_live_app(tmp_path_factory.mktemp("ui-app")) as app:
        yield app
