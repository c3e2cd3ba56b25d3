"""Serves the built UI at /, or a page that says how to build it when it is missing."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

NOT_BUILT = """<!doctype html>
<html><head><meta charset="utf-8"><title>Chroma</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Chroma is running</h1>
<p>The server and its APIs are up, but the web UI has not been built in this checkout.</p>
<p>You are running from source: build the UI with <code>make ui</code>
(or <code>scripts/run.sh</code>, which builds it when needed), then reload this page.</p>
<p>Meanwhile: the GraphQL API is at <a href="/graphql">/graphql</a>,
health at <a href="/healthz">/healthz</a>.</p>
</body></html>
"""


def mount(app: FastAPI) -> None:
    if (STATIC_DIR / "index.html").is_file():
        app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="ui")
        return

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def _not_built() -> str:
        return NOT_BUILT
