"""Cursor pagination: walking every page sees every datapoint exactly once."""

from __future__ import annotations

import pytest

PAGE = """
query ($filter: DatapointFilter, $first: Int!, $after: String) {
  datapoints(project: "demo", filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id key } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def walk(gql, first: int, filter_: dict | None = None) -> tuple[list[str], list[int]]:
    """All keys page by page, and the size of each page."""
    seen: list[str] = []
    sizes: list[int] = []
    after = None
    while True:
        page = gql.data(PAGE, first=first, after=after, filter=filter_)["datapoints"]
        edges = page["edges"]
        seen += [edge["node"]["key"] for edge in edges]
        sizes.append(len(edges))
        if edges:
            assert page["pageInfo"]["endCursor"] == edges[-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return seen, sizes
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("first", [1, 7, 42, 100])
def test_walking_all_pages_loses_and_repeats_nothing(gql, demo, first) -> None:
    everything = [f"train-{i}" for i in range(30)] + [f"test-{i}" for i in range(12)]

    seen, sizes = walk(gql, first)

    assert seen == everything
    assert all(size == first for size in sizes[:-1])
    assert len(sizes) == max(1, -(-42 // first))


def test_walking_a_filtered_result(gql, demo) -> None:
    seen, sizes = walk(gql, 4, {"labels": ["cat"]})

    assert seen == [f"train-{i}" for i in range(0, 30, 2)] + [
        "test-0",
        "test-3",
        "test-6",
        "test-9",
    ]
    assert sizes == [4, 4, 4, 4, 3]


def test_total_count_is_the_whole_result_not_the_page(gql, demo) -> None:
    page = gql.data(PAGE, first=5, filter={"datasets": ["train"]})["datapoints"]
    assert page["totalCount"] == 30
    assert len(page["edges"]) == 5
    assert page["pageInfo"]["hasNextPage"] is True


def test_rows_logged_while_walking_appear_at_the_end(gql, demo) -> None:
    first_page = gql.data(PAGE, first=40)["datapoints"]
    gql.log([{"key": "late"}], dataset="test")

    rest = gql.data(PAGE, first=40, after=first_page["pageInfo"]["endCursor"])["datapoints"]

    assert [e["node"]["key"] for e in rest["edges"]] == ["test-10", "test-11", "late"]


def test_empty_result_has_no_cursor(gql, demo) -> None:
    page = gql.data(PAGE, first=10, filter={"labels": ["fish"]})["datapoints"]
    assert page == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


def test_first_zero_only_counts(gql, demo) -> None:
    page = gql.data(PAGE, first=0)["datapoints"]
    assert page["edges"] == []
    assert page["totalCount"] == 42
    assert page["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("cursor", ["garbage", "ZGF0YXBvaW50Onh5eg==", ""])
def test_a_cursor_not_made_by_the_server_is_invalid_input(gql, demo, cursor) -> None:
    error = gql.error(PAGE, first=5, after=cursor)
    assert error["extensions"] == {"code": "invalid_input", "where": "after"}
    assert "endCursor" in error["message"]


@pytest.mark.parametrize("first", [-1, 1001])
def test_page_size_is_bounded(gql, demo, first) -> None:
    error = gql.error(PAGE, first=first)
    assert error["extensions"] == {"code": "invalid_input", "where": "first"}
    assert error["message"] == "first must be between 0 and 1000"
