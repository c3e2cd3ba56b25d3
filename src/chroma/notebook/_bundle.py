"""The widget's front end: one ES module that Vite builds from ui/src/widget/ into this
package (gitignored, shipped in the wheel and the sdist like the web UI; pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

from chroma.core.errors import ChromaError

BUNDLE = Path(__file__).parent / "static" / "widget.js"


class WidgetNotBuilt(ChromaError):
    """The notebook widget's front end (``chroma/notebook/static/widget.js``) is missing."""


def _checkout_root(bundle: Path) -> Path | None:
    """The source checkout ``bundle`` lives in (src/chroma/notebook/static/), if any."""
    parents = bundle.resolve().parents
    if len(parents) < 5:
        return None
    root = parents[4]
    if (root / "ui" / "package.json").is_file() and (root / "pyproject.toml").is_file():
        return root
    return None


def widget_module(bundle: Path = BUNDLE) -> str:
    """The bundle's text (the anywidget ``_esm``).

    Raises:
        WidgetNotBuilt: Saying how to build it (from source) or what to install.
    """
    if bundle.is_file():
        return bundle.read_text(encoding="utf-8")
    fallback = "Meanwhile `chroma.show(..., iframe=True)` shows the map in the Explorer."
    root = _checkout_root(bundle)
    if root is not None:
        raise WidgetNotBuilt(
            f"the notebook widget is not built: {bundle} is missing. You are running from "
            f"source: build the web UI and the widget with `make ui` (or `bash scripts/ui.sh`) "
            f"in {root}, then call chroma.show again. {fallback}",
            where="chroma.show",
        )
    raise WidgetNotBuilt(
        f"this installation of Chroma has no notebook widget ({bundle} is missing): the "
        f"package was built without its front end. Install a release wheel of "
        f"chroma-embeddings (`python -m build` builds it in). {fallback}",
        where="chroma.show",
    )
