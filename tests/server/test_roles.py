"""Users, roles and personal tokens (issue 13, item 2), over real HTTP on both databases.

A viewer reads and exports, an editor also logs, tags and starts jobs, an admin also
deletes; ``CHROMA_AUTH_TOKEN`` is an admin. A token is stored only as its hash; a revoked
one is a 401 that says so and ends the sessions it opened; removing a user ends theirs.
Every refusal names its rule and changes nothing.
"""

from __future__ import annotations

import hashlib

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select

from chroma.db.models import ApiToken, Base
from chroma.db.store import Store
from chroma.services import users
from chroma.services.principals import Role
from chroma.settings import Settings
from live_server import LiveServer

ADMIN_TOKEN = "test-token-0123456789abcdef"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_token": ADMIN_TOKEN})


def row_counts(store: Store) -> dict[str, int]:
    with store.read() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def gql(http: httpx.Client, token: str, query: str) -> httpx.Response:
    return http.post("/graphql", json={"query": query}, headers=bearer(token))


def token_for(store: Store, name: str, role: Role) -> str:
    users.add_user(store, name, role)
    return users.create_token(store, name, "test").token


def ingest(server: LiveServer, token: str) -> None:
    import chroma

    with chroma.init(project="demo", dataset="d", space="s", url=server.url, token=token) as run:
        run.log(np.ones((2, 3), np.float32), ids=["a", "b"])


def test_tokens_are_stored_only_as_their_hash(store: Store) -> None:
    token = token_for(store, "alice", Role.EDITOR)

    with store.read() as session:
        row = session.scalars(select(ApiToken)).one()
    assert token.startswith("chroma_")
    assert len(token) > 40
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.hint)
    assert token.startswith(row.hint)


def test_a_viewer_reads_but_may_not_write(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    viewer = token_for(store, "vera", Role.VIEWER)
    ingest(server, ADMIN_TOKEN)
    before = row_counts(store)

    assert gql(http, viewer, "{ projects { name } }").json() == {
        "data": {"projects": [{"name": "demo"}]}
    }
    me = http.get("/api/v1/me", headers=bearer(viewer)).json()
    assert me == {"name": "vera", "role": "viewer", "via": "token", "auth_required": True}
    exported = http.post(
        "/api/v1/export", json={"project": "demo", "space": "s"}, headers=bearer(viewer)
    )
    assert exported.status_code == 200

    tagged = gql(
        http,
        viewer,
        'mutation { addTagsWhere(project: "demo", filter: {}, tags: ["x"]) { changed } }',
    )
    (error,) = tagged.json()["errors"]
    assert error["message"] == "vera is a viewer; addTagsWhere needs the editor role"
    assert error["extensions"] == {"code": "forbidden", "where": "role"}
    logged = http.post(
        "/api/v1/ingest?project=demo&dataset=d&space=s",
        content=b"",
        headers={**bearer(viewer), "content-type": "application/vnd.apache.arrow.stream"},
    )
    assert logged.status_code == 403
    assert logged.json()["error"] == {
        "code": "forbidden",
        "message": "vera is a viewer; this needs the editor role",
        "where": "role",
    }
    assert row_counts(store) == before


def test_an_editor_logs_and_tags_but_only_an_admin_deletes(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    editor = token_for(store, "eddie", Role.EDITOR)
    ingest(server, editor)
    tagged = gql(
        http,
        editor,
        'mutation { addTagsWhere(project: "demo", filter: {}, tags: ["x"]) { changed } }',
    )
    assert tagged.json() == {"data": {"addTagsWhere": {"changed": 2}}}
    before = row_counts(store)

    # One field an editor may run does not carry one they may not.
    refused = gql(
        http,
        editor,
        'mutation { a: createProject(name: "other") { name } ...Gone } '
        'fragment Gone on Mutation { deleteProject(name: "demo") { name } }',
    )
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "forbidden"
    assert "needs the admin role" in error["message"]
    assert row_counts(store) == before

    admin = token_for(store, "ada", Role.ADMIN)
    deleted = gql(http, admin, 'mutation { deleteProject(name: "demo") { name } }')
    assert deleted.json() == {"data": {"deleteProject": {"name": "demo"}}}


def test_a_revoked_token_is_refused_saying_so_and_its_sessions_end(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    token = token_for(store, "alice", Role.EDITOR)
    signed_in = http.post("/api/v1/session", json={"token": token})
    assert signed_in.json()["name"] == "alice"
    assert http.get("/api/v1/me").json()["role"] == "editor"
    (listed,) = users.list_tokens(store, "alice")

    users.revoke_token(store, listed.id)

    refused = http.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_revoked"
    assert refused.json()["error"]["where"] == "authorization"
    assert http.get("/api/v1/me").json()["error"]["code"] == "session_expired"
    again = httpx.post(f"{server.url}/api/v1/session", json={"token": token})
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "token_revoked"


def test_a_role_change_applies_at_once_and_removal_ends_everything(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    token = token_for(store, "bob", Role.VIEWER)
    http.post("/api/v1/session", json={"token": token})
    users.set_role(store, "bob", Role.ADMIN)
    assert http.get("/api/v1/me").json()["role"] == "admin"
    assert http.get("/api/v1/me", headers=bearer(token)).json()["role"] == "admin"

    users.remove_user(store, "bob")

    assert http.get("/api/v1/me").json()["error"]["code"] == "session_expired"
    gone = http.get("/api/v1/me", headers=bearer(token))
    assert gone.json()["error"]["code"] == "unauthorized"
    assert row_counts(store)["api_token"] == 0


def test_the_server_token_is_an_admin(http: httpx.Client) -> None:
    me = http.get("/api/v1/me", headers=bearer(ADMIN_TOKEN)).json()
    assert me == {"name": "token", "role": "admin", "via": "token", "auth_required": True}


def test_admins_manage_users_and_tokens_over_graphql(http: httpx.Client, store: Store) -> None:
    made = gql(
        http,
        ADMIN_TOKEN,
        'mutation { addUser(name: "gina", role: EDITOR) { name role } '
        'createApiToken(user: "gina", label: "ci") '
        "{ token apiToken { id user label startsWith } } }",
    ).json()["data"]
    assert made["addUser"] == {"name": "gina", "role": "EDITOR"}
    token = made["createApiToken"]["token"]
    listed = made["createApiToken"]["apiToken"]
    assert listed["user"] == "gina"
    assert listed["label"] == "ci"
    assert token.startswith(listed["startsWith"])

    me = gql(http, token, "{ me { name role } }").json()
    assert me == {"data": {"me": {"name": "gina", "role": "EDITOR"}}}
    tokens = gql(http, ADMIN_TOKEN, "{ apiTokens { id user revokedAt } }").json()["data"]
    assert tokens["apiTokens"] == [{"id": listed["id"], "user": "gina", "revokedAt": None}]
    assert token not in str(tokens)

    before = row_counts(store)
    for query, field in [
        ('mutation { addUser(name: "mallory", role: ADMIN) { name } }', "addUser"),
        ('mutation { setUserRole(name: "gina", role: ADMIN) { name } }', "setUserRole"),
        ("{ users { name } }", "users"),
    ]:
        (error,) = gql(http, token, query).json()["errors"]
        assert error["message"] == f"gina is an editor; {field} needs the admin role"
        assert error["extensions"] == {"code": "forbidden", "where": "role"}
    assert row_counts(store) == before

    revoked = gql(
        http, ADMIN_TOKEN, f'mutation {{ revokeApiToken(id: "{listed["id"]}") {{ revokedAt }} }}'
    ).json()["data"]["revokeApiToken"]
    assert revoked["revokedAt"] is not None
    assert http.get("/api/v1/me", headers=bearer(token)).json()["error"]["code"] == "token_revoked"
    users_now = gql(http, ADMIN_TOKEN, "{ users { name role } }").json()["data"]["users"]
    assert users_now == [{"name": "gina", "role": "EDITOR"}]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('mutation { addUser(name: "a\\u0000b") { name } }', "invalid_input"),
        ('mutation { addUser(name: "  ") { name } }', "invalid_input"),
        ('mutation { createApiToken(user: "a\\u0000b") { token } }', "not_found"),
        ('mutation { removeUser(name: "nobody") { name } }', "not_found"),
        ('mutation { revokeApiToken(id: "99") { id } }', "not_found"),
        ('mutation { revokeApiToken(id: "x") { id } }', "invalid_input"),
    ],
)
def test_bad_user_input_is_refused_and_changes_nothing(
    http: httpx.Client, store: Store, query: str, code: str
) -> None:
    users.add_user(store, "ann", Role.VIEWER)
    users.create_token(store, "ann", "x")
    before = row_counts(store)

    (error,) = gql(http, ADMIN_TOKEN, query).json()["errors"]

    assert error["extensions"]["code"] == code
    assert row_counts(store) == before


def test_a_token_label_with_a_nul_is_refused(http: httpx.Client, store: Store) -> None:
    users.add_user(store, "ann", Role.VIEWER)
    query = 'mutation { createApiToken(user: "ann", label: "a\\u0000") { token } }'
    (error,) = gql(http, ADMIN_TOKEN, query).json()["errors"]
    assert error["extensions"] == {"code": "invalid_input", "where": "label"}
