"""A lone surrogate (JSON's "\\ud800") anywhere in a request body is refused at the door
with where it is, and changes nothing: GraphQL variables (filters, arguments, nested
inputs) and REST bodies, on both databases. Before, one reached the database driver
(a 500)."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

import chroma
from chroma.core.unicode import unstorable_at
from live_server import LiveServer

BAD = "a\\ud800b"  # as JSON spells it: the body is written by hand, Python cannot encode it


@pytest.fixture
def demo(server: LiveServer) -> None:
    with chroma.init("demo", "train", "emb", url=server.url) as run:
        run.log(np.eye(4, dtype=np.float32), ids=["a", "b", "c", "d"], labels=list("xxyy"))


def raw_post(http: httpx.Client, path: str, body: str) -> httpx.Response:
    return http.post(path, content=body.encode(), headers={"content-type": "application/json"})


def graphql(http: httpx.Client, query: str, variables: str) -> dict[str, Any]:
    body = '{"query": %s, "variables": %s}' % (_json_text(query), variables)  # noqa: UP031
    response = raw_post(http, "/graphql", body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _json_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


@pytest.mark.parametrize(
    ("query", "variables", "where"),
    [
        (
            'query ($l: [String!]) { datapoints(project: "demo", filter: {labels: $l}) '
            "{ totalCount } }",
            '{"l": ["x", "%s"]}' % BAD,  # noqa: UP031
            "variables.l.1",
        ),
        (
            "mutation ($n: String!) { createProject(name: $n) { name } }",
            '{"n": "%s"}' % BAD,  # noqa: UP031
            "variables.n",
        ),
        (
            'mutation ($c: [LabelDecisionInput!]!) { correctLabels(project: "demo", '
            "corrections: $c) { id } }",
            '{"c": [{"datapointId": "1", "decision": "RELABEL", "label": "%s"}]}' % BAD,  # noqa: UP031
            "variables.c.0.label",
        ),
    ],
)
def test_graphql_variables_with_a_lone_surrogate_are_refused(
    http: httpx.Client, demo: None, query: str, variables: str, where: str
) -> None:
    before = http.post("/graphql", json={"query": "{ projects { name } }"}).json()
    [error] = graphql(http, query, variables)["errors"]
    assert error["extensions"] == {"code": "invalid_input", "where": where}
    assert "not valid Unicode" in error["message"]
    assert http.post("/graphql", json={"query": "{ projects { name } }"}).json() == before
    labels = http.post(
        "/graphql",
        json={"query": '{ datapoints(project: "demo", first: 10) { nodes { label } } }'},
    ).json()["data"]["datapoints"]["nodes"]
    assert [n["label"] for n in labels] == list("xxyy")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"project": "%s", "space": "emb"}' % BAD, "body.project"),  # noqa: UP031
        (
            '{"project": "demo", "space": "emb", "filter": {"labels": ["%s"]}}' % BAD,  # noqa: UP031
            "body.filter.labels.0",
        ),
    ],
)
def test_a_rest_body_with_a_lone_surrogate_is_refused(
    http: httpx.Client, demo: None, body: str, where: str
) -> None:
    response = raw_post(http, "/api/v1/export", body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["where"] == where


def test_where_names_the_first_unstorable_string() -> None:
    lone = "a\ud800"
    assert unstorable_at({"a": [1, "ok", {"b": lone}]}, "v") == "v.a.2.b"
    assert unstorable_at({lone: 1}, "v") == "v"
    assert unstorable_at({"a": ["é", 2.5, None, [{"b": "ok"}]]}, "v") is None
