"""Families of step spaces and aligned maps in GraphQL and the points endpoint: a family's
steps in order, ``createProjection(alignTo:)``, the ``movement`` column, and the bad input
refused before any job is queued (both dialects)."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest

from chroma.db.store import Store
from projection_helpers import (
    JOB_FIELDS,
    computed_projection,
    gql,
    gql_error,
    ingest,
    row_counts,
    wait_succeeded,
)

KEYS = [f"row-{i}" for i in range(60)]

FAMILY = """
query {
  project(name: "demo") {
    spaces { name step family { name steps { step space { name } } } }
  }
}
"""

ALIGNED = f"""
mutation ($space: String!, $alignTo: ID, $project: String! = "demo") {{
  createProjection(project: $project, space: $space, algorithm: "pca", alignTo: $alignTo) {{
    id alignTo job {{ {JOB_FIELDS} }}
  }}
}}
"""


def _vectors(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((len(KEYS), 8)).astype(np.float32)


def _spaces(http: httpx.Client) -> dict[str, dict[str, Any]]:
    found = gql(http, FAMILY)["project"]["spaces"]
    return {space["name"]: space for space in found}


def test_a_family_lists_its_steps_in_step_order(http: httpx.Client) -> None:
    for name in ("m@step=2", "m@step=0", "m@step=10", "m@step=01", "m", "other@step=1"):
        ingest(http, KEYS, _vectors(0), space=name)

    spaces = _spaces(http)

    family = spaces["m@step=2"]["family"]
    assert family["name"] == "m"
    assert [(s["step"], s["space"]["name"]) for s in family["steps"]] == [
        (0, "m@step=0"),
        (2, "m@step=2"),
        (10, "m@step=10"),
    ]
    assert spaces["m@step=2"]["step"] == 2
    for not_a_step in ("m", "m@step=01"):  # only the canonical spelling is a step
        assert spaces[not_a_step]["step"] is None
        assert spaces[not_a_step]["family"] is None
    assert [s["step"] for s in spaces["other@step=1"]["family"]["steps"]] == [1]


def test_a_map_aligned_to_a_previous_step_serves_movement(http: httpx.Client) -> None:
    ingest(http, KEYS, _vectors(1), space="m@step=0")
    again = np.vstack([_vectors(1) * 2, _vectors(1)[:1]])  # "new" repeats row-0's vector
    ingest(http, [*KEYS, "new"], again, space="m@step=1")
    first = computed_projection(http, space="m@step=0")

    created = gql(http, ALIGNED, space="m@step=1", alignTo=str(first))["createProjection"]
    wait_succeeded(http, created["job"]["id"])
    assert created["alignTo"] == str(first)

    response = http.get(
        "/api/v1/points", params={"projection": created["id"], "column": ["key", "movement"]}
    )
    assert response.status_code == 200, response.text
    table = pa.ipc.open_stream(response.content).read_all().to_pydict()
    moved = dict(zip(table["key"], table["movement"], strict=True))
    assert moved["new"] is None  # not on the map it moved from
    # The step's vectors are the previous ones doubled (one row twice): about the same PCA
    # map, maybe turned or flipped, which the alignment undoes; so little moved.
    span = max(np.ptp(table["x"]), np.ptp(table["y"]))
    assert max(v for k, v in moved.items() if k != "new") < 0.1 * span

    refused = http.get("/api/v1/points", params={"projection": first, "column": "movement"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["where"] == "columns"
    assert "aligned to no other map" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("align_to", "code", "message"),
    [
        ("other-project", "invalid_input", "another project"),
        ("no-shared", "invalid_input", "shares no datapoint"),
        ("999999", "not_found", "no map with id 999999"),
        ("abc", "invalid_input", ""),
    ],
)
def test_bad_align_to_is_refused_before_any_job(
    http: httpx.Client, store: Store, align_to: str, code: str, message: str
) -> None:
    ingest(http, KEYS, _vectors(1), space="m@step=0")
    ingest(http, KEYS, _vectors(3), space="m@step=1")
    ingest(http, [f"x-{i}" for i in range(60)], _vectors(4), space="lonely")
    ingest(http, KEYS, _vectors(1), project="elsewhere", space="m@step=0")
    maps = {
        "other-project": computed_projection(http, project="elsewhere", space="m@step=0"),
        "no-shared": computed_projection(http, space="lonely"),
    }
    target = str(maps.get(align_to, align_to))
    before = row_counts(store)

    error = gql_error(http, ALIGNED, space="m@step=1", alignTo=target)

    assert (error["code"], error["where"]) == (code, "alignTo"), error
    assert message in error["message"]
    assert row_counts(store) == before
