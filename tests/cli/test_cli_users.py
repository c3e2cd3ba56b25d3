"""``chroma users`` and ``chroma tokens`` in a subprocess, on SQLite and PostgreSQL: the
token printed once works against a server on the same database, listing never shows it,
revoking and removing take effect, mistakes are one line and exit 1."""

from __future__ import annotations

import httpx
import pytest
from chroma_cli import Chroma

from chroma.db.store import Store
from chroma.settings import Settings
from live_server import LiveServer

ADMIN_TOKEN = "test-token-0123456789abcdef"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_token": ADMIN_TOKEN})


def where(settings: Settings) -> list[str]:
    if settings.database_url:
        return ["--database-url", settings.database_url]
    return ["--data-dir", str(settings.data_dir)]


def test_users_and_tokens_round_trip(chroma: Chroma, settings: Settings, store: Store) -> None:
    db = where(settings)

    added = chroma.run("users", "add", "alice", "--role", "editor", *db)
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added alice (editor)\n"
    assert chroma.run("users", "add", "bob", *db).stdout == "added bob (viewer)\n"
    listed = chroma.run("users", "list", *db).stdout.splitlines()
    assert listed[0].split() == ["NAME", "ROLE", "ADDED"]
    assert [line.split()[:2] for line in listed[1:]] == [["alice", "editor"], ["bob", "viewer"]]

    made = chroma.run("tokens", "create", "alice", "--label", "laptop", *db)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("chroma_")
    assert "shown this once" in made.stderr

    with LiveServer(store) as server:
        me = httpx.get(f"{server.url}/api/v1/me", headers={"authorization": f"Bearer {token}"})
        assert me.json()["name"] == "alice"
        assert me.json()["role"] == "editor"

        tokens = chroma.run("tokens", "list", *db).stdout
        assert token not in tokens
        assert token[:13] in tokens
        assert "laptop" in tokens
        assert "active" in tokens
        token_id = tokens.splitlines()[1].split()[0]
        revoked = chroma.run("tokens", "revoke", token_id, *db)
        assert revoked.stdout == f"revoked token {token_id} of alice\n"
        assert "revoked" in chroma.run("tokens", "list", "--user", "alice", *db).stdout

        refused = httpx.get(f"{server.url}/api/v1/me", headers={"authorization": f"Bearer {token}"})
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "token_revoked"

    removed = chroma.run("users", "remove", "alice", *db)
    assert removed.returncode == 0, removed.stderr
    assert [line.split()[0] for line in chroma.run("users", "list", *db).stdout.splitlines()] == [
        "NAME",
        "bob",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "bob"], "a user named 'bob' exists already"),
        (["users", "remove", "carol"], "no user named 'carol'"),
        (["tokens", "create", "carol"], "no user named 'carol'"),
        (["tokens", "revoke", "999"], "no token with id 999"),
        (["users", "add", "token"], "'token' is reserved"),
    ],
)
def test_mistakes_are_one_line_and_exit_1(
    chroma: Chroma, settings: Settings, store: Store, args: list[str], message: str
) -> None:
    db = where(settings)
    assert chroma.run("users", "add", "bob", *db).returncode == 0

    result = chroma.run(*args, *db)

    assert result.returncode == 1
    assert result.stderr == f"Error: {message}" + result.stderr.split(message, 1)[1]
    assert "Traceback" not in result.stderr
