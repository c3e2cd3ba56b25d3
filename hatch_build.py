"""Hatch build hook: a release (sdist or wheel) always carries the built web UI.

The UI (ui/, React + Vite) is built into src/chroma/server/static/, which git ignores and
both targets ship as an artifact (pyproject.toml). Before an sdist or a wheel is built:

- in a checkout (scripts/ui.sh is there): ``bash scripts/ui.sh`` builds the UI when it is
  missing or stale (a no-op when up to date); without npm an existing build is used as is,
  and no build at all is refused;
- in an unpacked sdist (no scripts/): the sdist's own build is used; were it missing, the
  UI sources in ui/ are built with ``npm ci`` and ``npm run build``;
- an editable install (``pip install -e``, scripts/setup.sh) skips all of this: a checkout
  builds its UI with ``make ui`` or scripts/run.sh, and serves a page saying so meanwhile.

Without a build and without a way to make one the build stops with a message that says
what to install, instead of shipping a package whose server has no UI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

STATIC = Path("src/chroma/server/static")
UI_SCRIPT = Path("scripts/ui.sh")


class UIBuildError(RuntimeError):
    """The package cannot be built with its web UI."""


def ui_index(root: Path) -> Path:
    return root / STATIC / "index.html"


def ensure_ui(root: Path, *, npm: str | None, log: Any = print) -> Path:
    """Make sure ``root``'s built UI exists (building it when possible); its index.html."""
    index = ui_index(root)
    has_sources = (root / "ui" / "package.json").is_file()
    if npm and has_sources:
        if (root / UI_SCRIPT).is_file():
            log("chroma: building the web UI if stale (scripts/ui.sh)")
            _run(["bash", str(UI_SCRIPT)], cwd=root)
        elif not index.is_file():
            log("chroma: building the web UI from ui/ (npm ci, npm run build)")
            _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root / "ui")
            _run([npm, "run", "build"], cwd=root / "ui")
    if index.is_file():
        return index
    if not has_sources:
        how = "this source tree has neither the built UI nor its sources (ui/)"
    else:
        how = "npm is not installed, so the UI sources in ui/ cannot be built"
    raise UIBuildError(
        f"chroma: refusing to build a package without its web UI: {STATIC}/index.html is "
        f"missing and {how}. Install Node.js 20.19+ with npm and build again (or run "
        "`make ui` in a checkout first); an editable install (`pip install -e .`) needs no UI."
    )


def _run(command: list[str], cwd: Path) -> None:
    env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    result = subprocess.run(command, cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        raise UIBuildError(f"chroma: building the web UI failed: {' '.join(command)} in {cwd}")


class UIBuildHook(BuildHookInterface):
    PLUGIN_NAME = "chroma-ui"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "editable":
            return
        ensure_ui(Path(self.root), npm=shutil.which("npm"), log=self.app.display_info)
