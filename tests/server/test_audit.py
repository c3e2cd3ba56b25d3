"""Every write records who made it (issue 13, item 2), on both databases: each mutation
field that succeeded is an audit event with the principal, the field and its arguments
(long lists cut, tokens hidden); a refused or failed one is not; admins read them back."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

import chroma
from chroma.db.store import Store
from chroma.services import users
from chroma.services.principals import Role
from chroma.settings import Settings
from live_server import LiveServer

ADMIN_TOKEN = "test-token-0123456789abcdef"
EVENTS = "{ auditEvents { principal role action details } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_token": ADMIN_TOKEN})


def gql(http: httpx.Client, token: str, query: str, **variables: object) -> dict[str, object]:
    response = http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    return dict(response.json())


def test_writes_record_who_made_them(server: LiveServer, http: httpx.Client, store: Store) -> None:
    users.add_user(store, "eddie", Role.EDITOR)
    editor = users.create_token(store, "eddie", "t").token
    with chroma.init(project="demo", dataset="d", space="s", url=server.url, token=editor) as run:
        run.log(np.ones((30, 3), np.float32), ids=[f"k{i}" for i in range(30)])
    ids = [
        node["id"]
        for node in gql(
            http, editor, '{ datapoints(project: "demo", first: 30) { nodes { id } } }'
        )["data"]["datapoints"]["nodes"]  # type: ignore[index]
    ]

    tagged = gql(
        http,
        editor,
        'mutation ($ids: [ID!]!) { t: addTags(project: "demo", datapointIds: $ids, '
        'tags: ["review"]) { changed } }',
        ids=ids,
    )
    assert tagged == {"data": {"t": {"changed": 30}}}
    refused = gql(http, editor, 'mutation { deleteProject(name: "demo") { name } }')
    assert refused["errors"]
    failed = gql(http, editor, 'mutation { renameProject(name: "nope", newName: "x") { name } }')
    assert failed["errors"]
    made = gql(http, ADMIN_TOKEN, 'mutation { createApiToken(user: "eddie") { token } }')
    new_token = made["data"]["createApiToken"]["token"]  # type: ignore[index]

    events = gql(http, ADMIN_TOKEN, EVENTS)["data"]["auditEvents"]  # type: ignore[index]

    assert [(e["principal"], e["role"], e["action"]) for e in events] == [
        ("token", "admin", "createApiToken"),
        ("eddie", "editor", "addTags"),
        ("eddie", "editor", "ingest"),
    ]
    assert events[2]["details"] == {
        "project": "demo",
        "dataset": "d",
        "space": "s",
        "inserted": 30,
        "updated": 0,
    }
    details = events[1]["details"]
    assert details["project"] == "demo"
    assert details["tags"] == ["review"]
    assert details["datapointIds"]["count"] == 30
    assert len(details["datapointIds"]["first"]) == 20
    assert new_token not in str(events)

    # Ingest refused (a viewer) or failed (a wrong dimension) records nothing.
    users.add_user(store, "vera", Role.VIEWER)
    viewer = users.create_token(store, "vera", "t").token
    for token, dim in ((viewer, 3), (editor, 4)):
        where = {"project": "demo", "dataset": "d", "space": "s", "url": server.url}
        with pytest.raises(chroma.ChromaError), chroma.init(**where, token=token) as run:
            run.log(np.ones((5, dim), np.float32), ids=[f"v{i}" for i in range(5)])
    assert len(gql(http, ADMIN_TOKEN, EVENTS)["data"]["auditEvents"]) == 3  # type: ignore[index]

    (error,) = gql(http, editor, EVENTS)["errors"]  # type: ignore[misc]
    assert error["extensions"] == {"code": "forbidden", "where": "role"}
