"""Stale analyses in GraphQL (issue 15), on both databases, with auth on: new rows and a
label correction (``correctLabels``) make a computed analysis ``stale``; recomputing it
makes it current again; ``setAnalysisAutoRefresh`` is an editor's; an unknown id is
not_found; ``stale`` of many analyses costs a fixed number of statements. The
recomputation after ingest itself: tests/analyses/test_analysis_freshness.py."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from graphql_client import GraphQLClient, train_rows
from sql_statements import ran_statements

from chroma.db.store import Store
from chroma.services import users
from chroma.services.principals import Role
from chroma.settings import Settings
from live_server import LiveServer

ADMIN = "test-token-0123456789abcdef"
FIELDS = "id state stale autoRefresh rowCount job { id state }"
RUN = f"""
mutation ($params: JSON) {{
  runAnalysis(project: "demo", space: "clip", kind: "mislabels", params: $params) {{ {FIELDS} }}
}}
"""
GET = f"query ($id: ID!) {{ analysis(id: $id) {{ {FIELDS} }} }}"
RECOMPUTE = f"mutation ($id: ID!) {{ recomputeAnalysis(id: $id) {{ {FIELDS} }} }}"
AUTO = f"""
mutation ($id: ID!, $on: Boolean!) {{ setAnalysisAutoRefresh(id: $id, on: $on) {{ {FIELDS} }} }}
"""
JOB = "query ($id: ID!) { job(id: $id) { state error } }"
LIST = '{ project(name: "demo") { spaces { analyses { id stale autoRefresh } } } }'
CORRECT = """
mutation ($c: [LabelDecisionInput!]!) {
  correctLabels(project: "demo", corrections: $c) { id labelAfter }
}
"""
IDS = '{ datapoints(project: "demo", first: 1000) { nodes { id key } } }'


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_token": ADMIN})


class Client(GraphQLClient):
    def computed(self, started: dict[str, Any]) -> dict[str, Any]:
        """The analysis once its computation ``started`` (an answer with ``job``) ended."""
        deadline = time.monotonic() + 120
        while True:
            job = self.data(JOB, id=started["job"]["id"])["job"]
            if job["state"] not in ("QUEUED", "RUNNING"):
                break
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        assert job["state"] == "SUCCEEDED", job
        return dict(self.data(GET, id=started["id"])["analysis"])


@pytest.fixture
def editor(server: LiveServer, http: httpx.Client, store: Store) -> Client:
    users.add_user(store, "eddie", Role.EDITOR)
    client = Client(http, users.create_token(store, "eddie", "t").token)
    client.log(train_rows())  # 30 rows, labels alternate cat / dog
    return client


def _more(n: int = 10) -> list[dict[str, Any]]:
    return [{"key": f"more-{i}", "label": "cat"} for i in range(n)]


def test_new_rows_and_corrected_labels_make_an_analysis_stale(editor: Client) -> None:
    started = editor.data(RUN, params={"k": 5})["runAnalysis"]
    assert started["stale"] is False  # no result yet
    assert started["autoRefresh"] is True
    ready = editor.computed(started)
    assert (ready["state"], ready["stale"], ready["rowCount"]) == ("READY", False, 30)

    editor.log(_more())
    assert editor.data(GET, id=started["id"])["analysis"]["stale"] is True
    listed = editor.data(LIST)["project"]["spaces"][0]["analyses"]
    assert listed == [{"id": started["id"], "stale": True, "autoRefresh": True}]

    again = editor.computed(editor.data(RECOMPUTE, id=started["id"])["recomputeAnalysis"])
    assert (again["stale"], again["rowCount"]) == (False, 40)

    ids = {n["key"]: n["id"] for n in editor.data(IDS)["datapoints"]["nodes"]}
    editor.data(CORRECT, c=[{"datapointId": ids["train-0"], "decision": "RELABEL", "label": "dog"}])
    assert editor.data(GET, id=started["id"])["analysis"]["stale"] is True


def test_auto_refresh_is_an_editors_and_unknown_ids_are_not_found(
    editor: Client, store: Store
) -> None:
    started = editor.data(RUN, params={"k": 5})["runAnalysis"]
    off = editor.data(AUTO, id=started["id"], on=False)["setAnalysisAutoRefresh"]
    assert (off["id"], off["autoRefresh"]) == (started["id"], False)
    assert editor.data(GET, id=started["id"])["analysis"]["autoRefresh"] is False

    users.add_user(store, "vera", Role.VIEWER)
    viewer = Client(editor.http, users.create_token(store, "vera", "t").token)
    refused = viewer.error(AUTO, id=started["id"], on=True)
    assert refused["extensions"] == {"code": "forbidden", "where": "role"}
    assert viewer.data(GET, id=started["id"])["analysis"]["autoRefresh"] is False

    missing = editor.error(AUTO, id="99999", on=True)
    assert missing["extensions"]["code"] == "not_found"
    assert missing["extensions"]["where"] == "analysis"
    assert editor.error(AUTO, id="x", on=True)["extensions"]["where"] == "id"


def test_stale_of_many_analyses_costs_the_same_statements(editor: Client, store: Store) -> None:
    first = editor.computed(editor.data(RUN, params={"k": 5})["runAnalysis"])
    with ran_statements(store) as one:
        editor.data(LIST)
    for k in (6, 7, 8):
        editor.computed(editor.data(RUN, params={"k": k})["runAnalysis"])
    editor.log(_more())
    with ran_statements(store) as four:
        listed = editor.data(LIST)["project"]["spaces"][0]["analyses"]
    assert [a["stale"] for a in listed] == [True] * 4
    assert listed[0]["id"] == first["id"]
    assert len(four) == len(one)
