"""What the browser tests share besides fixtures: the chromium they drive, the skip for an
unbuilt UI, and the collection of a page's console errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chroma.server.static import STATIC_DIR, is_built

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import ConsoleMessage, Page

CHROMIUM = Path(os.environ.get("CHROMA_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--enable-unsafe-swiftshader"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
"""Screenshots of every browser test (kept by CI as artifacts)."""
UI_NOT_BUILT = (
    "the UI is not built (src/chroma/server/static/index.html is missing): "
    "`bash scripts/ui.sh` builds it; scripts/test.sh does so before the tests"
)


def needs_built_ui() -> pytest.MarkDecorator:
    """Skip (with the reason) while the UI is not built; nothing else skips. In CI the
    test command builds the UI first, so a missing build there is a failure, not a skip."""
    in_ci = os.environ.get("CI") == "true"
    return pytest.mark.skipif(not in_ci and not is_built(STATIC_DIR), reason=UI_NOT_BUILT)


class PageProblems:
    """Console errors and uncaught exceptions of a page, collected as they happen."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


def watch(page: Page) -> PageProblems:
    problems = PageProblems()
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    return problems
