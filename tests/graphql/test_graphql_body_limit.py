"""A ``/graphql`` body over CHROMA_GRAPHQL_MAX_BODY_BYTES is refused with 413 while it is
read, and no answer sends the request back (issue 14, item 5: a 200 MB body was accepted
and echoed in the error).

The refusal is the REST error shape, not a GraphQL error: the body is never parsed, so
there is no operation to answer (and the SDK turns a 413 into ``PayloadTooLarge``).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from chroma.settings import Settings

LIMIT = 64 << 10
LONG = 50_000  # under the limit: these bodies are read, and must not come back


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"graphql_max_body_bytes": LIMIT})


def post(http: httpx.Client, content: bytes | Iterator[bytes]) -> httpx.Response:
    return http.post("/graphql", content=content, headers={"content-type": "application/json"})


def body(query: str, **fields: object) -> bytes:
    return orjson.dumps({"query": query, **fields})


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_parsed(http, store) -> None:
    padding = " " * LIMIT  # whitespace: as a GraphQL request it would be fine
    response = post(http, body("{ projects { name } }" + padding))
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["where"] == "body"
    assert "CHROMA_GRAPHQL_MAX_BODY_BYTES" in error["message"]
    assert len(response.content) < 500


def test_a_chunked_body_without_length_is_cut_off_too(http, store) -> None:
    whole = body('mutation { createProject(name: "never") { name } }' + " " * LIMIT)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(whole), 4096):
            yield whole[start : start + 4096]

    response = post(http, chunks())
    assert response.status_code == 413, response.text
    assert response.json()["error"]["where"] == "body"
    projects = http.post("/graphql", json={"query": "{ projects { name } }"}).json()
    assert projects == {"data": {"projects": []}}


def test_a_body_under_the_limit_is_served(http, store) -> None:
    comment = "# " + "c" * (LIMIT - 200) + "\n"  # comments are not tokens
    response = post(http, body(comment + "{ projects { name } }"))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"projects": []}}


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        # graphql-core quotes what it cannot read: an unknown field, a literal, a variable
        (body("{ " + "a" * LONG + " }"), "invalid_query"),
        (
            body('{ datapoints(project: "x", first: "' + "a" * LONG + '") { totalCount } }'),
            "invalid_query",
        ),
        (
            body(
                'query ($n: Int!) { datapoints(project: "x", first: $n) { totalCount } }',
                variables={"n": "a" * LONG},
            ),
            "invalid_query",
        ),
        # ours name the value at fault
        (body('{ project(name: "' + "a" * LONG + '") { name } }'), "not_found"),
        (
            body('{ datapoints(project: "x", after: "' + "a" * LONG + '") { totalCount } }'),
            "invalid_input",
        ),
    ],
    ids=["unknown-field", "literal", "variable", "project-name", "cursor"],
)
def test_an_error_quotes_at_most_a_little_of_the_request(http, store, request_body, code) -> None:
    response = post(http, request_body)
    assert response.status_code == 200, response.text[:300]
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert "a" * 100 not in response.text
    assert len(response.content) < 2000


def test_strawberrys_refusals_quote_at_most_a_little_of_the_request(http, store) -> None:
    unknown = post(http, body("query Known { projects { name } }", operationName="a" * LONG))
    assert unknown.status_code == 400
    assert unknown.json()["error"]["where"] == "body"
    assert "a" * 100 not in unknown.text
    assert len(unknown.content) < 2000

    not_json = post(http, b"{" + b"a" * LONG)
    assert not_json.status_code == 400
    assert "a" * 100 not in not_json.text
