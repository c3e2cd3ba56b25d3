"""Serves the built UI (a single-page app) at /, or a page that says how to build it.

With a build (``index.html`` in the static folder), every GET that is no API path and no
file of the build answers ``index.html``, so a deep link such as
``/p/demo/explore?projection=3`` opens the app, which reads its state from the URL. The
build's hashed assets (``/assets/*``) may be cached for a year; ``index.html`` never
without asking again, so a new build shows up on the next load.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response

from chroma.server.errors import error_response

STATIC_DIR = Path(__file__).parent / "static"
API_PREFIXES = ("api", "graphql", "healthz")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Chroma</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Chroma is running</h1>
{body}
<p>Meanwhile: the GraphQL API is at <a href="/graphql">/graphql</a>,
health at <a href="/healthz">/healthz</a>.</p>
</body></html>
"""
NOT_BUILT = _PAGE.format(
    body="""<p>The server and its APIs are up,
but the web UI has not been built in this checkout.</p>
<p>You are running from source: build the UI with <code>make ui</code>
(or <code>scripts/run.sh</code>, which builds it when needed), then reload this page.</p>"""
)
# An installed package (a wheel) always carries the UI (hatch_build.py refuses to build one
# without it), so this only shows for a package built some other way.
NOT_PACKAGED = _PAGE.format(
    body="""<p>The server and its APIs are up, but this installation of Chroma has no web UI:
the package was built without it.</p>
<p>Install a release wheel of <code>chroma-embeddings</code> (built with
<code>python -m build</code>, which builds the UI in), then restart the server.</p>"""
)


def is_built(static_dir: Path) -> bool:
    return (static_dir / "index.html").is_file()


def runs_from_checkout(static_dir: Path) -> bool:
    """Whether ``static_dir`` is src/chroma/server/static of a source checkout (with ui/)."""
    static_dir = static_dir.resolve()
    if static_dir.parts[-4:] != ("src", "chroma", "server", "static"):
        return False
    root = static_dir.parents[3]
    return (root / "ui" / "package.json").is_file() and (root / "pyproject.toml").is_file()


def _is_api(path: str) -> bool:
    first = path.split("/", 1)[0]
    return first in API_PREFIXES


def _not_found(path: str) -> Response:
    return error_response(404, "not_found", f"no route GET /{path}", "path")


def mount(app: FastAPI, static_dir: Path | None = None) -> None:
    """Add the UI routes; call after every API router (the fallback catches the rest)."""
    root = (static_dir or STATIC_DIR).resolve()

    if not is_built(root):
        page = NOT_BUILT if runs_from_checkout(root) else NOT_PACKAGED

        @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
        async def _not_built(path: str) -> Response:
            if _is_api(path):
                return _not_found(path)
            return HTMLResponse(page, headers={"cache-control": REVALIDATE})

        return

    index = root / "index.html"

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def _ui(path: str) -> Response:
        if _is_api(path):
            return _not_found(path)
        if "\x00" in path:
            # No file is named so (the OS refuses the name), and the app has no such page.
            return _not_found(path.replace("\x00", "%00"))
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
                return FileResponse(candidate, headers={"cache-control": cache})
            if path.startswith("assets/"):
                # A missing hashed asset is a stale page asking for an old build: the app
                # shell instead would be parsed as JavaScript and fail obscurely.
                return _not_found(path)
        return FileResponse(index, headers={"cache-control": REVALIDATE})
