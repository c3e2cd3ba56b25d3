"""Quality analyses through GraphQL on the real server (its in-process job runner).

``runAnalysis`` checks everything before anything is written, queues a job the runner
starts at once; the analysis's rows page with ordering, offsets and a datasets filter, its
nested datapoints cost a fixed number of statements; recompute and delete.
"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest
from sql_statements import ran_statements
from sqlalchemy import func, select

from chroma.db.models import Analysis, Job
from chroma.db.store import Store
from projection_helpers import JOB_FIELDS, gql, gql_error, ingest, wait_succeeded

DIM = 8
CENTRES = np.random.default_rng(3).normal(size=(3, DIM)).astype(np.float32) * 4
FLIPPED = (4, 31, 58)
ANALYSIS_FIELDS = (
    "id kind state params summary error rowCount columns createdAt computedAt "
    f"datasets {{ name }} referenceDatasets {{ name }} space {{ name }} job {{ {JOB_FIELDS} }}"
)
RUN = f"""
mutation ($project: String!, $space: String!, $kind: String!, $datasets: [String!],
          $reference: [String!], $params: JSON) {{
  runAnalysis(project: $project, space: $space, kind: $kind, datasets: $datasets,
              reference: $reference, params: $params) {{ {ANALYSIS_FIELDS} }}
}}
"""
ROWS = """
query ($id: ID!, $first: Int!, $offset: Int!, $orderBy: String, $descending: Boolean,
       $datasets: [String!]) {
  analysis(id: $id) {
    rows(first: $first, offset: $offset, orderBy: $orderBy, descending: $descending,
         datasets: $datasets) {
      totalCount
      items { values datapoint { id key label tags dataset { name } } }
    }
  }
}
"""
GET = f"query ($id: ID!) {{ analysis(id: $id) {{ {ANALYSIS_FIELDS} }} }}"
SPACE = '{ project(name: "demo") { spaces { name analyses { id kind state } } } }'


def clustered(n: int, seed: int) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    cluster = np.arange(n) % len(CENTRES)
    vectors = (CENTRES[cluster] + 0.3 * rng.normal(size=(n, DIM))).astype(np.float32)
    return vectors, [f"c{c}" for c in cluster]


@pytest.fixture
def demo(http: httpx.Client) -> dict[str, Any]:
    """demo/clip: train (90, 3 clusters, 3 labels flipped) and test (30, unlabelled)."""
    vectors, labels = clustered(90, seed=1)
    given = list(labels)
    for i in FLIPPED:
        given[i] = f"c{(int(labels[i][1]) + 1) % 3}"
    ingest(http, [f"train-{i}" for i in range(90)], vectors, dataset="train", labels=given)
    test, _ = clustered(30, seed=2)
    ingest(http, [f"test-{i}" for i in range(30)], test, dataset="test")
    return {"labels": dict(zip([f"train-{i}" for i in range(90)], labels, strict=True))}


def run(http: httpx.Client, kind: str, **variables: Any) -> dict[str, Any]:
    variables = {"project": "demo", "space": "clip", "kind": kind, **variables}
    return dict(gql(http, RUN, **variables)["runAnalysis"])


def computed(http: httpx.Client, kind: str, **variables: Any) -> dict[str, Any]:
    started = run(http, kind, **variables)
    wait_succeeded(http, started["job"]["id"])
    return dict(gql(http, GET, id=started["id"])["analysis"])


def rows(http: httpx.Client, analysis_id: str, **variables: Any) -> dict[str, Any]:
    variables = {"first": 50, "offset": 0, **variables}
    return dict(gql(http, ROWS, id=analysis_id, **variables)["analysis"]["rows"])


def counts(store: Store) -> tuple[int, int]:
    with store.read() as session:
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
        analyses = session.scalar(select(func.count()).select_from(Analysis)) or 0
    return int(jobs), int(analyses)


@pytest.mark.slow
def test_mislabels_run_as_a_job_and_page_their_rows(
    http: httpx.Client, demo: dict[str, Any]
) -> None:
    started = run(http, "mislabels", datasets=["train"], params={"k": 8})
    assert started["kind"] == "mislabels"
    assert started["state"] in ("QUEUED", "COMPUTING")
    assert started["params"] == {"k": 8, "review_share": 0.05}
    assert started["datasets"] == [{"name": "train"}]
    assert started["referenceDatasets"] is None
    assert started["columns"] == [
        "mislabel_score",
        "suggested_label",
        "label_agreement",
        "evidence",
    ]
    assert started["job"]["kind"] == "analysis.compute"
    assert started["computedAt"] is None
    done = wait_succeeded(http, started["job"]["id"])
    assert done["result"] == {"points": 90, "kind": "mislabels"}

    ready = dict(gql(http, GET, id=started["id"])["analysis"])
    assert ready["state"] == "READY"
    assert ready["rowCount"] == 90
    assert ready["error"] is None
    assert ready["space"] == {"name": "clip"}
    assert ready["summary"]["labelled"] == 90
    spaces = gql(http, SPACE)["project"]["spaces"]
    assert spaces == [
        {"name": "clip", "analyses": [{"id": started["id"], "kind": "mislabels", "state": "READY"}]}
    ]

    page = rows(http, started["id"], first=3)
    assert page["totalCount"] == 90
    top = page["items"]
    assert {item["datapoint"]["key"] for item in top} == {f"train-{i}" for i in FLIPPED}
    for item in top:
        values = item["values"]
        assert values["suggested_label"] == demo["labels"][item["datapoint"]["key"]]
        assert values["mislabel_score"] > 0.5
        assert values["evidence"]  # datapoint ids of neighbours carrying that label
        assert all(isinstance(i, int) for i in values["evidence"])
        assert item["datapoint"]["dataset"] == {"name": "train"}

    everything = rows(http, started["id"], first=90)["items"]
    scores = [item["values"]["mislabel_score"] for item in everything]
    assert scores == sorted(scores, reverse=True)
    next_page = rows(http, started["id"], first=10, offset=3)["items"]
    assert next_page == everything[3:13]
    ascending = rows(http, started["id"], first=5, orderBy="mislabel_score", descending=False)
    assert [i["values"]["mislabel_score"] for i in ascending["items"]] == sorted(scores)[:5]
    beyond = rows(http, started["id"], first=10, offset=200)
    assert (beyond["totalCount"], beyond["items"]) == (90, [])


@pytest.mark.slow
def test_rows_filter_datasets_and_put_missing_scores_last(
    http: httpx.Client, demo: dict[str, Any]
) -> None:
    analysis = computed(http, "mislabels")  # train and test: the test rows have no label
    assert analysis["rowCount"] == 120
    page = rows(http, analysis["id"], first=120)
    scores = [item["values"]["mislabel_score"] for item in page["items"]]
    assert scores[90:] == [None] * 30  # unlabelled rows: no score, last
    up = rows(http, analysis["id"], first=120, orderBy="mislabel_score", descending=False)
    assert [i["values"]["mislabel_score"] for i in up["items"]][90:] == [None] * 30
    test_only = rows(http, analysis["id"], first=100, datasets=["test"])
    assert test_only["totalCount"] == 30
    assert {i["datapoint"]["dataset"]["name"] for i in test_only["items"]} == {"test"}

    error = gql_error(http, ROWS, id=analysis["id"], first=5, offset=0, orderBy="nope")
    assert (error["code"], error["where"]) == ("invalid_input", "orderBy")
    error = gql_error(http, ROWS, id=analysis["id"], first=5000, offset=0)
    assert (error["code"], error["where"]) == ("invalid_input", "first")
    error = gql_error(http, ROWS, id=analysis["id"], first=5, offset=0, datasets=["nope"])
    assert (error["code"], error["where"]) == ("not_found", "datasets")


@pytest.mark.slow
def test_outliers_against_a_named_reference(http: httpx.Client, demo: dict[str, Any]) -> None:
    far = np.full((10, DIM), 40.0, dtype=np.float32) + np.random.default_rng(5).normal(
        size=(10, DIM)
    ).astype(np.float32)
    ingest(http, [f"far-{i}" for i in range(10)], far, dataset="prod")
    analysis = computed(http, "outliers", reference=["train"], params={"k": 5})
    assert analysis["referenceDatasets"] == [{"name": "train"}]
    assert analysis["summary"]["ood"]["prod"] == {"rows": 10, "outside": 10, "fraction": 1.0}
    top = rows(http, analysis["id"], first=10)["items"]
    assert {i["datapoint"]["key"] for i in top} == {f"far-{i}" for i in range(10)}
    assert all(i["values"]["ood"] is True for i in top)


@pytest.mark.slow
def test_recompute_and_delete(http: httpx.Client, store: Store, demo: dict[str, Any]) -> None:
    analysis = computed(http, "duplicates")
    assert analysis["params"]["threshold"] is None  # derived from the data at run time
    assert analysis["summary"]["threshold"] > 0
    ingest(http, ["late-0"], clustered(1, seed=9)[0], dataset="test")
    query = f"mutation ($id: ID!) {{ recomputeAnalysis(id: $id) {{ {ANALYSIS_FIELDS} }} }}"
    again = gql(http, query, id=analysis["id"])["recomputeAnalysis"]
    assert again["state"] == "READY"  # the old result stays until the new one is written
    assert again["job"]["id"] != analysis["job"]["id"]
    wait_succeeded(http, again["job"]["id"])
    assert gql(http, GET, id=analysis["id"])["analysis"]["rowCount"] == 121

    deleted = gql(
        http, "mutation ($id: ID!) { deleteAnalysis(id: $id) { id kind } }", id=analysis["id"]
    )
    assert deleted["deleteAnalysis"] == {"id": analysis["id"], "kind": "duplicates"}
    error = gql_error(http, GET, id=analysis["id"])
    assert (error["code"], error["where"]) == ("not_found", "analysis")
    assert counts(store)[1] == 0


@pytest.mark.parametrize(
    ("variables", "code", "where", "says"),
    [
        ({"kind": "astrology"}, "invalid_input", "kind", "unknown analysis kind"),
        ({"project": "nope"}, "not_found", "project", "no project"),
        ({"space": "nope"}, "not_found", "space", "no space"),
        ({"datasets": ["nope"]}, "not_found", "datasets", "no dataset"),
        ({"params": {"k": 0}}, "invalid_input", "params.k", "k must be"),
        ({"params": {"bogus": 1}}, "invalid_input", "params.bogus", "unknown parameter"),
        ({"params": [1]}, "invalid_input", "params", "object"),
        ({"datasets": ["test"]}, "invalid_input", "labels", "has a label"),
        ({"kind": "outliers"}, "invalid_input", "reference", "['test', 'train']"),
        ({"kind": "clusters"}, "invalid_input", "params.projection", "no computed map"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(
    http: httpx.Client,
    store: Store,
    demo: dict[str, Any],
    variables: dict[str, Any],
    code: str,
    where: str,
    says: str,
) -> None:
    variables = {"project": "demo", "space": "clip", "kind": "mislabels", **variables}
    error = gql_error(http, RUN, **variables)
    assert (error["code"], error["where"]) == (code, where), error
    assert says in error["message"]
    assert counts(store) == (0, 0)


@pytest.mark.slow
def test_a_page_of_rows_costs_the_same_statements_at_any_size(
    http: httpx.Client, store: Store, demo: dict[str, Any]
) -> None:
    analysis = computed(http, "mislabels")
    rows(http, analysis["id"], first=1)  # warm the results cache
    with ran_statements(store) as small:
        rows(http, analysis["id"], first=5)
    with ran_statements(store) as large:
        rows(http, analysis["id"], first=100)
    assert len(large) == len(small), large
    assert len(large) <= 10, large
