"""``/openapi.json`` is what the fuzz run generates requests from: every REST route must be
in it with its real parameters and body (a route that reads its body itself, like ingest,
declares it), and the GraphQL routes say what they take."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import httpx
from fastapi.routing import APIRoute

import chroma.server.routes
from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE

API_PREFIX = "/api/v1"
BODILESS_WRITES = {("post", "/api/v1/refresh")}
"""Writes that take no body (the SDK's flush asks for a refresh with query parameters)."""


def _routes() -> list[APIRoute]:
    """Every route of every router module under ``chroma.server.routes``."""
    found = []
    for module in pkgutil.iter_modules(chroma.server.routes.__path__):
        router = importlib.import_module(f"chroma.server.routes.{module.name}").router
        found += [route for route in router.routes if isinstance(route, APIRoute)]
    return found


def _parameters(operation: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["in"], p["name"]) for p in operation.get("parameters", [])}


def test_every_rest_route_is_in_the_schema_with_its_parameters(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    routes = _routes()
    assert len(routes) >= 12
    for route in routes:
        path = route.path if route.path in paths else API_PREFIX + route.path
        for method in route.methods:
            operation = paths[path][method.lower()]
            declared = {("query", p.alias) for p in route.dependant.query_params}
            declared |= {("path", p.alias) for p in route.dependant.path_params}
            assert _parameters(operation) == declared, path
            if method == "POST" and (method.lower(), path) not in BODILESS_WRITES:
                assert operation.get("requestBody", {}).get("required"), f"{path} has no body"


def test_the_ingest_body_is_an_arrow_stream(http: httpx.Client) -> None:
    ingest = http.get("/openapi.json").json()["paths"]["/api/v1/ingest"]["post"]

    content = ingest["requestBody"]["content"]
    assert content == {ARROW_STREAM_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}
    assert {"project", "dataset", "space"} <= {name for _, name in _parameters(ingest)}


def test_the_graphql_routes_say_what_they_take(http: httpx.Client) -> None:
    graphql = http.get("/openapi.json").json()["paths"]["/graphql"]

    assert {"query", "variables", "operationName"} == {n for _, n in _parameters(graphql["get"])}
    body = graphql["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["query"]
    assert set(body["properties"]) == {"query", "variables", "operationName"}
