"""A server with a token refuses a request without it in the shared error shape, naming
the ``authorization`` header (it used to be the one 4xx without a ``where``), and runs
nothing behind the refusal."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from chroma.db.store import Store
from chroma.settings import Settings

CREATE = {"query": 'mutation { createProject(name: "x") { name } }'}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_token": "s3cret-token-0123456789"})


@pytest.mark.parametrize("token", [None, "Bearer wrong", "s3cret-token-0123456789"])
def test_a_request_without_the_token_is_refused_naming_where(
    http: httpx.Client, store: Store, token: str | None
) -> None:
    headers = {"authorization": token} if token else {}
    response = http.post("/graphql", json=CREATE, headers=headers)

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "unauthorized",
            "message": "missing or wrong bearer token",
            "where": "authorization",
        }
    }
    with store.read() as session:
        assert session.execute(text("SELECT COUNT(*) FROM project")).scalar_one() == 0
    assert http.get("/healthz").status_code == 200


def test_the_token_lets_the_request_through(http: httpx.Client) -> None:
    response = http.post(
        "/graphql", json=CREATE, headers={"authorization": "Bearer s3cret-token-0123456789"}
    )

    assert response.json() == {"data": {"createProject": {"name": "x"}}}
