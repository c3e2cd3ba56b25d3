"""Requests GraphQL itself rejects get a clear JSON error, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import event


@pytest.mark.parametrize(
    ("query", "variables", "message_part"),
    [
        ("{ projects { name ", None, "Syntax Error"),
        ("{ projects { nmae } }", None, "Cannot query field 'nmae' on type 'Project'"),
        (
            "{ project { name } }",
            None,
            "Argument 'Query.project(name:)' of type 'String!' is required",
        ),
        (
            'query ($n: Int!) { datapoints(project: "x", first: $n) { totalCount } }',
            {"n": "ten"},
            "Variable '$n' has invalid value: Int cannot represent non-integer value: 'ten'",
        ),
        ("mutation { nothing }", None, "Cannot query field 'nothing' on type 'Mutation'"),
    ],
)
def test_invalid_documents_get_a_graphql_error(http, query, variables, message_part) -> None:
    response = http.post("/graphql", json={"query": query, "variables": variables})

    assert response.status_code in (200, 400)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    [error] = body["errors"]
    assert message_part in error["message"]
    assert error["extensions"]["code"] == "invalid_query"
    assert body.get("data") is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "Unable to parse request body as JSON"),
        (b'{"variables": {}}', "No GraphQL query found in the request"),
    ],
)
def test_requests_that_are_not_graphql_get_strawberrys_400(http, content, reason) -> None:
    """Not a GraphQL request at all: Strawberry's 400 with its reason, in the shared error
    shape (it used to be plain text, the one 4xx of the server without a ``where``)."""
    response = http.post("/graphql", content=content, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid_input", "message": reason, "where": "body"}
    }


def test_a_server_fault_is_masked_for_the_client_and_logged(http, store, caplog) -> None:
    """A bug (here: the database fails) reaches the client as code internal, no details."""

    def fail(*_args: object) -> None:
        raise OSError("disk on fire")

    event.listen(store.engine, "before_cursor_execute", fail)
    try:
        response = http.post("/graphql", json={"query": "{ projects { name } }"})
    finally:
        event.remove(store.engine, "before_cursor_execute", fail)

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "internal", "where": None}
    assert "disk on fire" not in error["message"]
    assert "disk on fire" in caplog.text


def test_client_mistakes_stay_out_of_the_error_log(http, caplog) -> None:
    http.post("/graphql", json={"query": '{ project(name: "nope") { name } }'})
    http.post("/graphql", json={"query": "{ projects { nmae } }"})

    assert "nope" not in caplog.text
    assert "nmae" not in caplog.text


@pytest.mark.parametrize("datapoint_id", ["99999999999999999999", "-99999999999999999999"])
def test_ids_beyond_64_bits_are_invalid_input(http, datapoint_id) -> None:
    query = 'query ($id: ID!) { datapoint(project: "x", id: $id) { key } }'
    response = http.post("/graphql", json={"query": query, "variables": {"id": datapoint_id}})

    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "invalid_input", "where": "id"}
