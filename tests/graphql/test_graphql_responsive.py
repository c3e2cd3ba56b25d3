"""One GraphQL request cannot take the server's database connections.

Issue 14, item 5: 200 aliases of ``facets`` took a thread and a pooled connection each,
then the pool ran dry (500s) and ``/healthz`` waited 48 s. Now a request over the cost
budget never runs, and one within it uses at most CHROMA_GRAPHQL_REQUEST_CONCURRENCY
sessions at once. Here every query of the heavy request is held in the database driver
until ``/healthz`` has answered: with more sessions in use than the pool holds (15 on
SQLite, 20 on PostgreSQL), the health check would wait for a connection and fail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from graphql_client import GraphQLClient
from sqlalchemy import event

from chroma.db.store import Store
from chroma.settings import Settings

CONCURRENCY = Settings().graphql_request_concurrency
WAIT_S = 120  # safety nets only: no assertion depends on how long anything takes


class Stall:
    """Holds every statement on the ``datapoint`` table (the heavy request's queries; the
    health check runs ``SELECT 1``) until released, counting those held."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held = 0
        self.peak = 0
        self.armed = False
        self.release = threading.Event()
        self.changed = threading.Condition(self.lock)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.armed or "datapoint" not in statement.lower():
            return
        with self.lock:
            self.held += 1
            self.peak = max(self.peak, self.held)
            self.changed.notify_all()
        self.release.wait(WAIT_S)
        with self.lock:
            self.held -= 1

    def wait_for(self, held: int) -> None:
        with self.lock:
            assert self.changed.wait_for(lambda: self.held >= held, WAIT_S), self.held


@contextmanager
def stalled(store: Store) -> Iterator[Stall]:
    stall = Stall()
    event.listen(store.engine, "before_cursor_execute", stall)
    try:
        yield stall
    finally:
        stall.release.set()
        event.remove(store.engine, "before_cursor_execute", stall)


def heavy_query(datapoint_ids: list[str]) -> str:
    """24 fields that each run their own query: within every limit (cost about 9,100)."""
    facets = [
        f'f{i}: facets(project: "demo", fields: ["label"]) {{ field values {{ value count }} }}'
        for i in range(8)
    ]
    pages = [f'p{i}: datapoints(project: "demo", first: 10) {{ nodes {{ id }} }}' for i in range(8)]
    points = [
        f'd{i}: datapoint(project: "demo", id: "{datapoint_id}") {{ key }}'
        for i, datapoint_id in enumerate(datapoint_ids[:8])
    ]
    return "{ " + " ".join(facets + pages + points) + " }"


def test_an_over_budget_request_is_refused_and_a_heavy_one_leaves_healthz_answering(
    gql: GraphQLClient, demo, store, server, http
) -> None:
    ids = [
        n["id"]
        for n in gql.data('{ datapoints(project: "demo") { nodes { id } } }')["datapoints"]["nodes"]
    ]
    over = (  # 3 x (1000 + 10 facets x (1 + 1000 values)): 33,030
        "{ "
        + " ".join(
            f'f{i}: facets(project: "demo", limit: 1000) {{ values {{ value }} }}' for i in range(3)
        )
        + " }"
    )
    replies: list[httpx.Response] = []

    def send_heavy() -> None:
        with httpx.Client(base_url=server.url, timeout=WAIT_S) as other:
            replies.append(other.post("/graphql", json={"query": heavy_query(ids)}))

    with stalled(store) as stall:
        stall.armed = True
        refusal = gql.post(over).json()
        assert refusal["data"] is None
        assert refusal["errors"][0]["extensions"]["code"] == "payload_too_large"
        assert "CHROMA_GRAPHQL_MAX_COST" in refusal["errors"][0]["message"]
        assert stall.peak == 0, "the refused request ran queries"

        heavy = threading.Thread(target=send_heavy)
        heavy.start()
        stall.wait_for(CONCURRENCY)  # the heavy request holds all the sessions it may

        health = http.get("/healthz", timeout=WAIT_S)
        assert health.status_code == 200, health.text
        assert stall.peak <= CONCURRENCY, f"one request held {stall.peak} sessions at once"

        stall.release.set()
        heavy.join(WAIT_S)

    [reply] = replies
    assert reply.status_code == 200
    answer = reply.json()
    assert "errors" not in answer, answer["errors"][:2]
    assert len(answer["data"]) == 24
    assert answer["data"]["f7"] == [
        {
            "field": "label",
            "values": [
                {"value": "cat", "count": 19},
                {"value": "dog", "count": 19},
                {"value": "bird", "count": 4},
            ],
        }
    ]
    assert answer["data"]["d7"] == {"key": "train-7"}
