"""A resolver waiting on the database does not hold up other requests.

Strawberry runs sync resolvers on the event loop thread; ours hand database work to a
threadpool. Here a mutation waits on a lock held by the test while another query must
still be answered promptly.
"""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import insert
from test_graphql_name_races import wait_until_blocked

from chroma.db.models import Project

CREATE = 'mutation { createProject(name: "held") { name } }'


def test_a_blocked_mutation_does_not_block_other_queries(http, server, store) -> None:
    replies: list[httpx.Response] = []

    def mutate() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as other:
            replies.append(other.post("/graphql", json={"query": CREATE}))

    with store.write() as session:
        # Holds the write lock (SQLite) / the name in the unique index (PostgreSQL).
        session.execute(insert(Project).values(name="held"))
        session.flush()
        mutation = threading.Thread(target=mutate)
        mutation.start()
        wait_until_blocked(store)

        # A loop held by the waiting mutation could answer only once the mutation is over:
        # after SQLite's 30 s busy timeout, or never on PostgreSQL (the lock is ours until
        # this block ends). The query's timeout, well under that, turns such a wait into a
        # failure; it is a safety net, not a speed target.
        answer = http.post("/graphql", json={"query": "{ projects { name } }"}, timeout=10)

        assert answer.json() == {"data": {"projects": []}}
        assert not replies, "the mutation was answered before the query"
        assert mutation.is_alive(), "the mutation should still be waiting on the lock"
    mutation.join(timeout=30)

    [reply] = replies
    [error] = reply.json()["errors"]
    assert error["extensions"] == {"code": "conflict", "where": "name"}
