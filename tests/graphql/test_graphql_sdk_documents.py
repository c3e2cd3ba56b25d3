"""Every GraphQL request the SDK sends stays within the default limits.

The SDK builds its documents from its types (``Projection.fields()``, ...), so they are
checked as they leave it: each of its ``graphql(...)`` calls is made here against a real
server that records the bodies it receives, and each body is measured like the server
does (test_graphql_ui_documents.check_within_limits). A new call in the SDK fails the
first test until it is made here too.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest
from graphql import parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from test_graphql_ui_documents import check_within_limits

import chroma
from chroma.db.store import Store
from live_server import LiveServer

SDK = Path(__file__).resolve().parents[2] / "src" / "chroma" / "sdk"
CALLS_MADE_HERE = {
    ("_analyses", "set_auto_refresh"),
    ("_analyses", "start_analysis"),
    ("_comparisons", "start_comparison"),
    ("_computed", "_read"),
    ("_computed", "delete"),
    ("_computed", "of_space"),
    ("_computed", "recompute"),
    ("_corrections", "fetch_corrections"),
    ("_corrections", "send_corrections"),
    ("_import", "_restore_tags"),
    ("_jobs", "fetch_job"),
    ("_jobs", "request_cancel"),
    ("_nearest", "query_nearest"),
    ("_projections", "start_projection"),
    ("_run_maps", "build_index"),
}
"""(module, function) of each ``graphql(...)`` call in the SDK."""


def graphql_calls_of_the_sdk() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(SDK.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "graphql"
                ):
                    found.add((path.stem, function.name))
    return found


class Recording:
    """ASGI middleware keeping every ``POST /graphql`` body it passes on."""

    def __init__(self, app: ASGIApp, bodies: list[bytes]) -> None:
        self.app = app
        self.bodies = bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.bodies.append(b"".join(chunks))
            return message

        await self.app(scope, recorded, send)


def attempt(call: Callable[[], Any]) -> Any:
    """``call()``; the server may refuse it for what it asks (a job already finished, a
    space too small), never for its size."""
    try:
        return call()
    except chroma.PayloadTooLarge:
        raise
    except chroma.ChromaError:
        return None


def test_every_graphql_call_of_the_sdk_is_made_by_the_next_test() -> None:
    assert graphql_calls_of_the_sdk() == CALLS_MADE_HERE


def test_what_the_sdk_sends_is_within_the_default_limits(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMA_SPOOL_DIR", str(tmp_path / "spool"))
    bodies: list[bytes] = []
    live = LiveServer(store)
    live.app.add_middleware(Recording, bodies=bodies)
    rows = 40
    frame = pd.DataFrame(
        {
            "key": [f"k{i}" for i in range(rows)],
            "vector": list(np.random.default_rng(0).normal(size=(rows, 4)).astype(np.float32)),
            "label": ["cat", "dog"] * (rows // 2),
            "tags": [["review"] if i % 3 == 0 else [] for i in range(rows)],
        }
    )
    url = live.url
    with live:
        chroma.import_dataframe(frame, project="demo", dataset="train", space="clip", url=url)
        with chroma.init("demo", "train", "clip", url=url) as run:
            projection = run.create_projection("pca", wait=False, progress=False)
            attempt(projection.refresh)
            attempt(lambda: chroma.projections("demo", "clip", url=url))
            assert projection.job is not None
            attempt(lambda: chroma.get_job(projection.job.id, url=url))
            attempt(lambda: chroma.cancel_job(projection.job.id, url=url))
            attempt(lambda: projection.recompute(wait=False, progress=False))
            attempt(projection.delete)
            analysis = attempt(lambda: run.analyze("outliers", wait=False, progress=False))
            if analysis is not None:
                attempt(analysis.refresh)
                attempt(lambda: analysis.recompute(wait=False, progress=False))
                attempt(lambda: analysis.set_auto_refresh(False))
                attempt(analysis.delete)
            attempt(run.analyses)
            attempt(lambda: run.compare("clip", "clip-v2", k=5, progress=False, timeout=30))
            attempt(lambda: chroma.get_analysis(999, url=url))
            attempt(lambda: run.build_index(wait=False, progress=False))
            attempt(lambda: run.nearest(key="k1", k=1000, labels=["cat"]))
            attempt(lambda: run.nearest(vector=[0.1, 0.2, 0.3, 0.4], k=10))
            attempt(lambda: run.corrections(include_undone=True))
            attempt(lambda: chroma.correct_labels("demo", {"k1": "dog"}, url=url))

    assert len(bodies) >= len(CALLS_MADE_HERE)
    for sent in bodies:
        request = orjson.loads(sent)
        check_within_limits(parse(request["query"]), request.get("variables") or {})
