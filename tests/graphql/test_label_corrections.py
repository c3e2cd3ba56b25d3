"""Label corrections (issue 15, the review queue's decisions), on both databases, with auth
on: a relabel changes the label everything reads and keeps the one before, with who and
when; undo gives it back; re-logging the original label keeps a person's fix; bad input
and viewers are refused and change nothing; the SDK reads the history as a DataFrame."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest
from graphql_client import GraphQLClient, train_rows
from sqlalchemy import select

import chroma
from chroma.db.models import Dataset
from chroma.db.store import Store
from chroma.services import users
from chroma.services.principals import Role
from chroma.settings import Settings
from live_server import LiveServer

ADMIN = "test-token-0123456789abcdef"
CORRECT = """
mutation ($project: String!, $c: [LabelDecisionInput!]!, $source: String) {
  correctLabels(project: $project, corrections: $c, source: $source) {
    id key dataset decision labelBefore labelAfter source principal undoneAt
  }
}
"""
UNDO = """
mutation ($id: ID!) {
  undoLabelCorrection(project: "demo", id: $id) { id labelBefore labelAfter undoneBy }
}
"""
HISTORY = """
query ($undone: Boolean!) {
  labelCorrections(project: "demo", includeUndone: $undone) {
    id key decision labelBefore labelAfter principal undoneBy
  }
}
"""
LABEL, POINT = "corrections[1].label", "corrections[1].datapointId"
LABELS = '{ datapoints(project: "demo", first: 1000) { nodes { id key label } } }'


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_token": ADMIN})


class Client(GraphQLClient):
    def labels(self) -> dict[str, str | None]:
        return {n["key"]: n["label"] for n in self.data(LABELS)["datapoints"]["nodes"]}

    def ids(self) -> dict[str, str]:
        return {n["key"]: n["id"] for n in self.data(LABELS)["datapoints"]["nodes"]}


@pytest.fixture
def editor(server: LiveServer, http: httpx.Client, store: Store) -> Client:
    users.add_user(store, "eddie", Role.EDITOR)
    client = Client(http, users.create_token(store, "eddie", "t").token)
    client.log(train_rows())  # labels alternate cat (even) / dog (odd)
    return client


def _revisions(store: Store) -> list[int]:
    with store.read() as session:
        return list(session.scalars(select(Dataset.revision).order_by(Dataset.id)))


def test_decisions_change_labels_and_keep_who_and_when(editor: Client, store: Store) -> None:
    ids = editor.ids()
    before = _revisions(store)
    made = editor.data(
        CORRECT,
        project="demo",
        source="mislabels",
        c=[
            {"datapointId": ids["train-0"], "decision": "RELABEL", "label": "dog"},
            {"datapointId": ids["train-1"], "decision": "CONFIRM"},
            {"datapointId": ids["train-2"], "decision": "UNSURE"},
        ],
    )["correctLabels"]

    assert [(c["key"], c["decision"], c["labelBefore"], c["labelAfter"]) for c in made] == [
        ("train-0", "RELABEL", "cat", "dog"),
        ("train-1", "CONFIRM", "dog", "dog"),
        ("train-2", "UNSURE", "cat", "cat"),
    ]
    assert {c["principal"] for c in made} == {"eddie"}
    assert {c["source"] for c in made} == {"mislabels"}
    labels = editor.labels()
    assert (labels["train-0"], labels["train-1"], labels["train-2"]) == ("dog", "dog", "cat")
    # The dataset's revision moved: cached points and facets of it are made again.
    assert _revisions(store) == [before[0] + 1]
    history = editor.data(HISTORY, undone=False)["labelCorrections"]
    assert [c["id"] for c in history] == [c["id"] for c in made]
    audit = Client(editor.http, ADMIN).data("{ auditEvents { principal action } }")
    assert {"principal": "eddie", "action": "correctLabels"} in audit["auditEvents"]


def test_undo_gives_the_label_back_latest_first(editor: Client) -> None:
    target = editor.ids()["train-0"]

    def relabel(label: str) -> str:
        decision = {"datapointId": target, "decision": "RELABEL", "label": label}
        return str(editor.data(CORRECT, project="demo", c=[decision])["correctLabels"][0]["id"])

    first, second = relabel("dog"), relabel("fox")
    assert editor.labels()["train-0"] == "fox"

    refused = editor.error(UNDO, id=first)
    assert refused["extensions"]["code"] == "conflict"
    assert "came later: undo it first" in refused["message"]
    assert editor.labels()["train-0"] == "fox"

    undone = editor.data(UNDO, id=second)["undoLabelCorrection"]
    assert undone == {"id": second, "labelBefore": "dog", "labelAfter": "fox", "undoneBy": "eddie"}
    assert editor.labels()["train-0"] == "dog"
    editor.data(UNDO, id=first)
    assert editor.labels()["train-0"] == "cat"

    again = editor.error(UNDO, id=first)
    assert again["extensions"] == {"code": "conflict", "where": "id"}
    assert editor.data(HISTORY, undone=False)["labelCorrections"] == []
    assert len(editor.data(HISTORY, undone=True)["labelCorrections"]) == 2


def test_relogging_the_original_label_keeps_the_correction(editor: Client) -> None:
    ids = editor.ids()
    decisions = [
        {"datapointId": ids["train-0"], "decision": "RELABEL", "label": "dog"},
        {"datapointId": ids["train-2"], "decision": "RELABEL", "label": "dog"},
    ]
    made = editor.data(CORRECT, project="demo", c=decisions)["correctLabels"]

    # The pipeline logs its rows again: the same labels as before the corrections for
    # train-0, a label that changed at the source for train-2, and no label for train-4.
    rows = {row["key"]: row for row in train_rows()}
    editor.log([rows["train-0"], {**rows["train-2"], "label": "bird"}])
    editor.log([{"key": "train-4", "vector": [9.0, 9.0, 9.0, 9.0]}])

    labels = editor.labels()
    assert (labels["train-0"], labels["train-2"], labels["train-4"]) == ("dog", "bird", "cat")
    history = {c["id"]: c for c in editor.data(HISTORY, undone=True)["labelCorrections"]}
    assert history[made[0]["id"]]["undoneBy"] is None
    assert history[made[1]["id"]]["undoneBy"] == "re-logged"
    # Its label changed since: undoing the replaced correction is refused.
    assert editor.error(UNDO, id=made[1]["id"])["extensions"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("decision", "code", "where", "message"),
    [
        ({"decision": "RELABEL", "label": "  "}, "invalid_input", LABEL, "blank"),
        ({"decision": "RELABEL"}, "invalid_input", LABEL, "needs the new label"),
        ({"decision": "RELABEL", "label": "a\x00b"}, "invalid_input", LABEL, "NUL"),
        ({"decision": "RELABEL", "label": "x" * 501}, "invalid_input", LABEL, "500"),
        ({"decision": "CONFIRM", "label": "dog"}, "invalid_input", LABEL, "keeps"),
        ({"decision": "UNSURE", "datapointId": "999999"}, "not_found", POINT, "not in project"),
        ({"decision": "UNSURE", "datapointId": "other"}, "not_found", POINT, "not in project"),
        ({"decision": "UNSURE", "datapointId": "same"}, "invalid_input", "corrections[1]", "one"),
    ],
)  # fmt: skip
def test_a_bad_decision_is_refused_and_changes_nothing(
    editor: Client, decision: dict[str, Any], code: str, where: str, message: str
) -> None:
    editor.log(train_rows()[:2], project="elsewhere")
    ids = editor.ids()
    other_project = Client(editor.http, editor.token).data(
        '{ datapoints(project: "elsewhere", first: 1) { nodes { id } } }'
    )["datapoints"]["nodes"][0]["id"]
    target = {"other": other_project, "same": ids["train-0"]}.get(
        decision.get("datapointId", ""), decision.get("datapointId", ids["train-1"])
    )
    labels = editor.labels()
    good = {"datapointId": ids["train-0"], "decision": "RELABEL", "label": "dog"}

    error = editor.error(CORRECT, project="demo", c=[good, {**decision, "datapointId": target}])

    assert error["extensions"]["code"] == code
    assert error["extensions"]["where"] == where
    assert message in error["message"]
    assert editor.labels() == labels  # not even the good decision before it
    assert editor.data(HISTORY, undone=True)["labelCorrections"] == []


def test_a_label_that_is_not_text_and_a_viewer_are_refused(editor: Client, store: Store) -> None:
    target = editor.ids()["train-0"]
    wrong_type = editor.post(
        CORRECT, project="demo", c=[{"datapointId": target, "decision": "RELABEL", "label": 5}]
    ).json()
    assert "String cannot represent a non string value" in wrong_type["errors"][0]["message"]

    users.add_user(store, "vera", Role.VIEWER)
    viewer = Client(editor.http, users.create_token(store, "vera", "t").token)
    refused = viewer.error(
        CORRECT, project="demo", c=[{"datapointId": target, "decision": "RELABEL", "label": "x"}]
    )
    assert refused["extensions"] == {"code": "forbidden", "where": "role"}
    assert "correctLabels needs the editor role" in refused["message"]
    assert viewer.data(HISTORY, undone=True)["labelCorrections"] == []  # viewers read it
    assert editor.labels()["train-0"] == "cat"


def test_the_sdk_reads_the_corrections(editor: Client, server: LiveServer) -> None:
    ids = editor.ids()
    made = editor.data(
        CORRECT,
        project="demo",
        source="mislabels",
        c=[
            {"datapointId": ids["train-0"], "decision": "RELABEL", "label": "dog"},
            {"datapointId": ids["train-3"], "decision": "UNSURE"},
        ],
    )["correctLabels"]
    editor.data(UNDO, id=made[1]["id"])

    run = chroma.init(project="demo", dataset="train", space="clip", url=server.url, token=ADMIN)
    live, everything = run.corrections(), run.corrections(include_undone=True)

    assert list(live.columns) == [
        "correction_id",
        "key",
        "dataset",
        "decision",
        "label_before",
        "label",
        "source",
        "by",
        "at",
        "undone_at",
        "undone_by",
    ]
    assert live[["key", "decision", "label_before", "label", "by"]].values.tolist() == [
        ["train-0", "relabel", "cat", "dog", "eddie"]
    ]
    assert everything["undone_by"].isna().tolist() == [True, False]
    assert everything["undone_by"].iloc[1] == "eddie"
    assert isinstance(everything["at"].dtype, pd.DatetimeTZDtype)
    assert str(everything["at"].dt.tz) == "UTC"


def test_a_review_of_an_analysis_deleted_meanwhile_decides_nothing(
    editor: Client, store: Store
) -> None:
    """The review queue names its analysis: once an admin deleted it, a decision from the
    queue is refused (not_found, where: analysis) and nothing changes."""
    admin = Client(editor.http, ADMIN)
    analysis = admin.data(
        'mutation { runAnalysis(project: "demo", space: "clip", kind: "mislabels") { id } }'
    )["runAnalysis"]["id"]
    target = editor.ids()["train-0"]
    decision = [{"datapointId": target, "decision": "RELABEL", "label": "dog"}]
    review = """
    mutation ($c: [LabelDecisionInput!]!, $a: ID) {
      correctLabels(project: "demo", corrections: $c, source: "mislabels", analysis: $a) { id }
    }
    """
    admin.data("mutation ($id: ID!) { deleteAnalysis(id: $id) { id } }", id=analysis)

    refused = editor.error(review, c=decision, a=analysis)

    assert refused["extensions"] == {"code": "not_found", "where": "analysis"}
    assert "deleted meanwhile" in refused["message"]
    assert editor.labels()["train-0"] == "cat"
    assert editor.data(HISTORY, undone=True)["labelCorrections"] == []
    # Without a deleted analysis the same decision goes through.
    assert editor.data(review, c=decision, a=None)["correctLabels"]
    assert editor.labels()["train-0"] == "dog"
