"""Web pages the user visits cannot write to the server or read it (issue 14, item 4).

Over real HTTP on both databases: a write with a media type a cross-site form can send
(``text/plain``, form, multipart) is a 415 and changes nothing; a write or a WebSocket
from another origin is a 403; a Host the server does not answer to (DNS rebinding) is a
421 before anything runs; CORS headers appear only for configured origins. What the SDK,
the UI (same origin) and the UI's dev server (a loopback origin) send still works.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import func, select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

import chroma
from chroma.core import wire
from chroma.db.models import Base, Datapoint
from chroma.db.store import Store
from chroma.settings import Settings
from live_server import LiveServer

ARROW = wire.ARROW_STREAM_MEDIA_TYPE
CROSS_SITE_TYPES = [
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
]
"""What a page of another origin can send without asking the server first (CORS)."""
ADD_TAG = (
    'mutation ($ids: [ID!]!) { addTags(project: "demo", datapointIds: $ids, tags: ["pwned"]) '
    "{ changed } }"
)


def row_counts(store: Store) -> dict[str, int]:
    """Rows in every table: the whole state a refused request must leave as it was."""
    with store.read() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def arrow_body(keys: list[str]) -> bytes:
    vectors = pa.array(list(np.ones((len(keys), 4), np.float32)), type=wire.vector_type(4))
    table = pa.table({"key": pa.array(keys), "vector": vectors}, schema=wire.ingest_schema(4, []))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert set(body) == {"code", "message", "where"}
    return dict(body)


@pytest.fixture
def logged(server: LiveServer) -> list[str]:
    """Three datapoints logged by the SDK (which sends Arrow with its media type); ids."""
    with chroma.init("demo", "train", "emb", url=server.url) as run:
        run.log(np.eye(3, 4, dtype=np.float32), ids=["a", "b", "c"])
    with server.store.read() as session:
        return [str(i) for i in session.scalars(select(Datapoint.id).order_by(Datapoint.id))]


def test_ingest_takes_only_the_arrow_media_type(
    http: httpx.Client, store: Store, logged: list[str]
) -> None:
    before = row_counts(store)
    query = {"project": "demo", "dataset": "train", "space": "emb"}
    body = arrow_body(["a", "x"])  # would overwrite "a" and add "x"
    for content_type in [*CROSS_SITE_TYPES, None, "application/json"]:
        headers = {"content-type": content_type} if content_type else {}
        response = http.post("/api/v1/ingest", params=query, content=body, headers=headers)
        refused = error(response, 415)
        assert (refused["code"], refused["where"]) == ("unsupported_media", "content-type")
        assert ARROW in refused["message"]
        assert row_counts(store) == before, content_type
    # The same body with its own media type is taken (parameters allowed).
    ok = http.post(
        "/api/v1/ingest", params=query, content=body, headers={"content-type": f"{ARROW}; x=1"}
    )
    assert ok.status_code == 200, ok.text
    assert row_counts(store)["datapoint"] == before["datapoint"] + 1


def test_json_writes_take_only_json(http: httpx.Client, store: Store, logged: list[str]) -> None:
    before = row_counts(store)
    graphql = json.dumps({"query": ADD_TAG, "variables": {"ids": logged}})
    export = json.dumps({"project": "demo", "space": "emb", "format": "csv"})
    for content_type in CROSS_SITE_TYPES:
        headers = {"content-type": content_type}
        for path, body in (("/graphql", graphql), ("/api/v1/export", export)):
            refused = error(http.post(path, content=body, headers=headers), 415)
            assert (refused["where"], "application/json" in refused["message"]) == (
                "content-type",
                True,
            ), path
        form = http.post(
            "/api/v1/refresh", params={"project": "demo", "space": "emb"}, headers=headers
        )
        error(form, 415)
    # Mutations over GET are refused (Strawberry allows queries only).
    get = http.get("/graphql", params={"query": ADD_TAG, "variables": json.dumps({"ids": logged})})
    assert get.status_code >= 400
    assert row_counts(store) == before
    # JSON is taken; a write without a body (the SDK's refresh) too.
    tagged = http.post("/graphql", json={"query": ADD_TAG, "variables": {"ids": logged}})
    assert tagged.json() == {"data": {"addTags": {"changed": 3}}}, tagged.text
    assert (
        http.post(
            "/api/v1/export", content=export, headers={"content-type": "application/json"}
        ).status_code
        == 200
    )
    refresh = http.post("/api/v1/refresh", params={"project": "demo", "space": "emb"})
    assert refresh.status_code == 200, refresh.text


def test_writes_and_websockets_from_other_origins_are_refused(
    server: LiveServer, http: httpx.Client, store: Store, logged: list[str]
) -> None:
    before = row_counts(store)
    mutation = {"query": ADD_TAG, "variables": {"ids": logged}}
    for origin in ("http://evil.example", "null", f"http://evil.example:{server.port}"):
        refused = error(http.post("/graphql", json=mutation, headers={"origin": origin}), 403)
        assert (refused["code"], refused["where"]) == ("forbidden", "origin")
        with pytest.raises(InvalidStatus) as rejected:
            connect(
                f"ws://127.0.0.1:{server.port}/graphql",
                origin=origin,
                subprotocols=["graphql-transport-ws"],
            )
        assert rejected.value.response.status_code == 403
    assert row_counts(store) == before
    # Reads stay open to any page (it cannot see the answer without CORS).
    assert http.get("/healthz", headers={"origin": "http://evil.example"}).status_code == 200
    # The UI (same origin) and its dev server (a loopback origin) may write.
    for origin in (server.url, "http://localhost:5173"):
        ok = http.post("/graphql", json=mutation, headers={"origin": origin})
        assert ok.status_code == 200, ok.text


def test_a_foreign_host_is_refused_before_anything_runs(
    server: LiveServer, http: httpx.Client, logged: list[str]
) -> None:
    """A DNS-rebinding page asks with its own name in Host: it reads nothing."""
    port = server.port
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "", "[::2]"):
        for method, path in (
            ("GET", "/healthz"),
            ("GET", "/graphql?query={__typename}"),
            ("GET", f"/api/v1/datapoints/{logged[0]}/text"),
            ("GET", "/"),
            ("POST", "/graphql"),
        ):
            response = http.request(method, path, headers={"host": host})
            refused = error(response, 421)
            assert (refused["code"], refused["where"]) == ("host_not_allowed", "host")
            assert "CHROMA_ALLOWED_HOSTS" in refused["message"]
    # Loopback names with any port, and the bind address, are this server.
    for host in (f"127.0.0.1:{port}", "localhost", f"LOCALHOST:{port}", "[::1]:9", "127.0.0.1"):
        assert http.get("/healthz", headers={"host": host}).status_code == 200, host


def test_allowed_hosts_and_wildcard_binds(store: Store) -> None:
    store.settings = store.settings.model_copy(
        update={"allowed_hosts": ["chroma.internal", "*.lab.example"]}
    )
    with LiveServer(store) as live, httpx.Client(base_url=live.url) as http:
        for host in ("chroma.internal:8000", "a.lab.example", f"127.0.0.1:{live.port}"):
            assert http.get("/healthz", headers={"host": host}).status_code == 200, host
        for host in ("localhost", "lab.example", "10.0.0.5"):
            assert http.get("/healthz", headers={"host": host}).status_code == 421, host
    # Bound to every interface, the server answers to its IP addresses (rebinding needs a
    # name), not to names it was not given.
    store.settings = store.settings.model_copy(update={"host": "0.0.0.0", "allowed_hosts": []})
    with LiveServer(store) as live, httpx.Client(base_url=live.url) as http:
        for host in ("10.0.0.5:8000", "[fd00::5]"):
            assert http.get("/healthz", headers={"host": host}).status_code == 200, host
        assert http.get("/healthz", headers={"host": "evil.example"}).status_code == 421


def test_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMA_ALLOWED_HOSTS", "a.example, b.example")
    monkeypatch.setenv("CHROMA_CORS_ORIGINS", "https://app.example")
    monkeypatch.setenv("CHROMA_IMAGE_FETCH_HOSTS", "images.example,*.cdn.example")
    monkeypatch.setenv("CHROMA_IMAGE_FETCH_PRIVATE_NETWORKS", "10.1.0.0/16, 127.0.0.1")
    settings = Settings()
    assert settings.allowed_hosts == ["a.example", "b.example"]
    assert settings.cors_origins == ["https://app.example"]
    assert settings.image_fetch_hosts == ["images.example", "*.cdn.example"]
    assert [str(n) for n in settings.image_fetch_private_networks] == [
        "10.1.0.0/16",
        "127.0.0.1/32",
    ]
    monkeypatch.delenv("CHROMA_CORS_ORIGINS")
    assert Settings().cors_origins == []


@pytest.fixture
def cors_server(store: Store) -> Iterator[LiveServer]:
    store.settings = store.settings.model_copy(update={"cors_origins": ["https://app.example"]})
    with LiveServer(store) as live:
        yield live


def test_no_cors_headers_unless_configured(
    server: LiveServer, http: httpx.Client, logged: list[str]
) -> None:
    preflight = http.options(
        "/graphql",
        headers={
            "origin": "http://evil.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert not any(name.startswith("access-control-") for name in preflight.headers)
    read = http.get("/healthz", headers={"origin": "http://evil.example"})
    assert not any(name.startswith("access-control-") for name in read.headers)


def test_configured_cors_origins_may_call_the_api(cors_server: LiveServer) -> None:
    with httpx.Client(base_url=cors_server.url, timeout=60) as http:
        preflight = http.options(
            "/graphql",
            headers={
                "origin": "https://app.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        query = {"query": "{ __typename }"}
        ok = http.post("/graphql", json=query, headers={"origin": "https://app.example"})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example"
        other = http.post("/graphql", json=query, headers={"origin": "https://other.example"})
        assert other.status_code == 403
        assert "access-control-allow-origin" not in other.headers
