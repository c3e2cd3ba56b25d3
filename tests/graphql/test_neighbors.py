"""The ``neighbors`` query against a brute-force numpy answer (small data: the exact path).

By datapoint (id, or client key within a dataset) and by vector; filters by dataset,
label and tag; ``k`` bounds; the query datapoint itself is never its own neighbour.
"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
import pytest

import chroma
from projection_helpers import gql, gql_error, ingest, vectors, wait_succeeded

DIMENSION = 16
NEIGHBORS = """
query ($project: String! = "demo", $space: String! = "clip", $datapointId: ID, $key: String,
       $dataset: String, $vector: [Float!], $k: Int! = 10, $filter: DatapointFilter) {
  neighbors(project: $project, space: $space, datapointId: $datapointId, key: $key,
            dataset: $dataset, vector: $vector, k: $k, filter: $filter) {
    distance
    datapoint { id key label tags dataset { name } }
  }
}
"""


class Space:
    """What was logged, as the server stores it: ids, keys, datasets, labels, vectors."""

    def __init__(self, url: str, labels: dict[str, str], tagged: set[str]) -> None:
        read = chroma.read_vectors("demo", "clip", url=url)
        assert read.keys is not None
        self.ids = read.datapoint_ids
        self.keys = np.array(read.keys, dtype=object)
        self.datasets = read.datasets
        self.vectors = read.vectors
        self.labels = np.array([labels[k] for k in read.keys], dtype=object)
        self.tagged = np.array([k in tagged for k in read.keys])

    def id_of(self, key: str) -> int:
        return int(self.ids[list(self.keys).index(key)])

    def vector_of(self, key: str) -> npt.NDArray[np.float32]:
        return self.vectors[list(self.keys).index(key)]

    def brute_force(
        self,
        query: npt.NDArray[np.float32],
        k: int,
        *,
        mask: npt.NDArray[np.bool_] | None = None,
        exclude: int | None = None,
    ) -> tuple[list[int], npt.NDArray[np.float64]]:
        """The k nearest ids by cosine distance (1 - cosine similarity), and distances."""
        keep = np.ones(len(self.ids), dtype=bool) if mask is None else mask.copy()
        if exclude is not None:
            keep &= self.ids != exclude
        data = self.vectors[keep].astype(np.float64)
        q = query.astype(np.float64)
        distance = 1 - (data @ q) / (np.linalg.norm(data, axis=1) * np.linalg.norm(q))
        order = np.argsort(distance, kind="stable")[:k]
        return [int(i) for i in self.ids[keep][order]], distance[order]


@pytest.fixture
def space(http: httpx.Client, server: Any) -> Space:
    """demo/clip, 16-D: train 100 points and test 50, labels a/b/c; every fifth tagged
    "picked"; test-dup repeats train-0's vector exactly."""
    train, test = vectors(100, DIMENSION, seed=1), vectors(50, DIMENSION, seed=2)
    test[49] = train[0]
    labels: dict[str, str] = {}
    for name, data in (("train", train), ("test", test)):
        keys = [f"{name}-{i}" for i in range(len(data))]
        if name == "test":
            keys[49] = "test-dup"
        labels.update({key: "abc"[i % 3] for i, key in enumerate(keys)})
        ingest(http, keys, data, dataset=name, labels=[labels[k] for k in keys])
    tagged = {key for i, key in enumerate(sorted(labels)) if i % 5 == 0}
    logged = Space(server.url, labels, set())
    ids = [str(logged.id_of(key)) for key in sorted(tagged)]
    query = """mutation ($ids: [ID!]!) {
      addTags(project: "demo", datapointIds: $ids, tags: ["picked"]) { changed }
    }"""
    assert gql(http, query, ids=ids)["addTags"]["changed"] == len(ids)
    return Space(server.url, labels, tagged)


def neighbors(http: httpx.Client, **variables: Any) -> list[dict[str, Any]]:
    return list(gql(http, NEIGHBORS, **variables)["neighbors"])


def check(found: list[dict[str, Any]], expected: tuple[list[int], npt.NDArray[np.float64]]) -> None:
    ids, distances = expected
    assert [int(n["datapoint"]["id"]) for n in found] == ids
    np.testing.assert_allclose([n["distance"] for n in found], distances, rtol=1e-4, atol=1e-5)


def test_neighbours_of_a_datapoint_match_brute_force_and_leave_it_out(
    http: httpx.Client, space: Space
) -> None:
    origin = space.id_of("train-0")
    found = neighbors(http, datapointId=str(origin), k=10)
    check(found, space.brute_force(space.vector_of("train-0"), 10, exclude=origin))
    assert origin not in [int(n["datapoint"]["id"]) for n in found]
    # An exact copy of its vector (another datapoint) comes first, at distance 0.
    assert found[0]["datapoint"]["key"] == "test-dup"
    assert found[0]["distance"] == pytest.approx(0, abs=1e-5)
    assert found[0]["datapoint"]["dataset"] == {"name": "test"}


def test_a_key_within_a_dataset_names_the_same_datapoint(http: httpx.Client, space: Space) -> None:
    by_key = neighbors(http, key="train-7", dataset="train", k=5)
    by_id = neighbors(http, datapointId=str(space.id_of("train-7")), k=5)
    assert by_key == by_id
    check(by_key, space.brute_force(space.vector_of("train-7"), 5, exclude=space.id_of("train-7")))


def test_neighbours_of_a_vector_match_brute_force(http: httpx.Client, space: Space) -> None:
    query = vectors(1, DIMENSION, seed=42)[0]
    found = neighbors(http, vector=[float(v) for v in query], k=7)
    check(found, space.brute_force(query, 7))
    # A logged vector finds its own datapoint first: only a datapoint query leaves itself out.
    own = neighbors(http, vector=[float(v) for v in space.vector_of("train-3")], k=3)
    assert own[0]["datapoint"]["key"] == "train-3"
    assert own[0]["distance"] == pytest.approx(0, abs=1e-5)


@pytest.mark.parametrize(
    "filter_",
    [
        {"datasets": ["test"]},
        {"labels": ["a"]},
        {"tags": ["picked"]},
        {"datasets": ["train"], "labels": ["b", "c"]},
        {"datasets": ["test"], "labels": ["a"], "tags": ["picked"]},
    ],
)
def test_filters_restrict_the_candidates(
    http: httpx.Client, space: Space, filter_: dict[str, list[str]]
) -> None:
    mask = np.ones(len(space.ids), dtype=bool)
    if "datasets" in filter_:
        mask &= np.isin(space.datasets, filter_["datasets"])
    if "labels" in filter_:
        mask &= np.isin(space.labels, filter_["labels"])
    if "tags" in filter_:
        mask &= space.tagged
    origin = space.id_of("train-1")
    found = neighbors(http, datapointId=str(origin), k=8, filter=filter_)
    check(found, space.brute_force(space.vector_of("train-1"), 8, mask=mask, exclude=origin))
    for n in found:
        datapoint = n["datapoint"]
        assert datapoint["dataset"]["name"] in filter_.get("datasets", ["train", "test"])
        assert datapoint["label"] in filter_.get("labels", ["a", "b", "c"])
        if "tags" in filter_:
            assert datapoint["tags"] == ["picked"]

    query = vectors(1, DIMENSION, seed=5)[0]
    by_vector = neighbors(http, vector=[float(v) for v in query], k=8, filter=filter_)
    check(by_vector, space.brute_force(query, 8, mask=mask))


def test_fewer_matches_than_k_answer_all_of_them(http: httpx.Client, space: Space) -> None:
    mask = np.isin(space.datasets, ["test"]) & np.isin(space.labels, ["a"]) & space.tagged
    found = neighbors(
        http,
        vector=[1.0] * DIMENSION,
        k=100,
        filter={"datasets": ["test"], "labels": ["a"], "tags": ["picked"]},
    )
    assert 0 < len(found) == int(mask.sum()) < 100
    assert neighbors(http, vector=[1.0] * DIMENSION, filter={"tags": ["no-such-tag"]}) == []


def test_k_bounds(http: httpx.Client, space: Space) -> None:
    origin = str(space.id_of("train-0"))
    for k in (0, -1, 1001):
        error = gql_error(http, NEIGHBORS, datapointId=origin, k=k)
        assert (error["code"], error["where"]) == ("invalid_input", "k"), k
    assert len(neighbors(http, datapointId=origin, k=1)) == 1
    everything = neighbors(http, datapointId=origin, k=1000)
    assert len(everything) == len(space.ids) - 1  # all but itself
    distances = [n["distance"] for n in everything]
    assert distances == sorted(distances)


def test_the_answers_stay_the_same_with_a_neighbour_index(http: httpx.Client, space: Space) -> None:
    origin = space.id_of("test-4")
    before = neighbors(http, datapointId=str(origin), k=10, filter={"labels": ["a", "b"]})
    job = gql(http, 'mutation { buildNeighbourIndex(project: "demo", space: "clip") { id } }')
    wait_succeeded(http, job["buildNeighbourIndex"]["id"])
    after = neighbors(http, datapointId=str(origin), k=10, filter={"labels": ["a", "b"]})
    assert [n["datapoint"]["id"] for n in after] == [n["datapoint"]["id"] for n in before]
    np.testing.assert_allclose(
        [n["distance"] for n in after], [n["distance"] for n in before], atol=1e-5
    )


@pytest.mark.parametrize(
    ("variables", "code", "where"),
    [
        ({}, "invalid_input", "datapointId"),
        ({"datapointId": "1", "vector": [0.0] * DIMENSION}, "invalid_input", "datapointId"),
        ({"key": "train-0"}, "invalid_input", "dataset"),
        ({"key": "nope", "dataset": "train"}, "not_found", "key"),
        ({"key": "train-0", "dataset": "nope"}, "not_found", "dataset"),
        ({"datapointId": "99999999"}, "not_found", "datapoint"),
        ({"datapointId": "x"}, "invalid_input", "datapointId"),
        ({"vector": [1.0, 2.0]}, "invalid_input", "vector"),
        ({"vector": [1.0] * DIMENSION, "space": "nope"}, "not_found", "space"),
        ({"vector": [1.0] * DIMENSION, "project": "nope"}, "not_found", "project"),
        (
            {"vector": [1.0] * DIMENSION, "filter": {"datasets": ["nope"]}},
            "not_found",
            "filter.datasets",
        ),
    ],
)
def test_bad_queries_say_where(
    http: httpx.Client, space: Space, variables: dict[str, Any], code: str, where: str
) -> None:
    error = gql_error(http, NEIGHBORS, **variables)
    assert (error["code"], error["where"]) == (code, where), error
