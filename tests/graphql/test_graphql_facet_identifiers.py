"""``facets`` recognises identifier-like fields (values nearly unique per datapoint), on
both databases: the Explorer filters those by text instead of listing every value.

The boundary is counted here from ``IDENTIFIER_MIN_DISTINCT`` and ``IDENTIFIER_MIN_SHARE``,
so the test follows the rule rather than restating its numbers.
"""

from __future__ import annotations

import math
from typing import Any

from graphql_client import GraphQLClient

from chroma.services.facets import IDENTIFIER_MIN_DISTINCT, IDENTIFIER_MIN_SHARE, is_identifier

KINDS = """
query ($fields: [String!]) {
  facets(project: "demo", fields: $fields, limit: 3) { field kind distinct missing total
                                                       values { count } }
}
"""
ROWS = 2 * IDENTIFIER_MIN_DISTINCT + 20
# Just enough different values to be identifier-like (and one fewer: a list).
SHARED = math.ceil(IDENTIFIER_MIN_SHARE * ROWS)


def rows() -> list[dict[str, Any]]:
    return [
        {
            "key": f"row-{i}",
            "label": "cat" if i % 2 else "dog",
            "metadata": {
                "request_id": f"req-{i:05d}",  # unique per row
                "path": f"/data/{i % SHARED}.png",  # at the share
                "near": f"n{i % (SHARED - 1)}",  # one value short of it
                "few": f"f{i % 3}",
                "seq": i,  # unique, but a number: a range, not a text filter
                "sparse": f"s{i}" if i < IDENTIFIER_MIN_DISTINCT - 1 else None,
            },
        }
        for i in range(ROWS)
    ]


def kinds(gql: GraphQLClient, fields: list[str] | None = None) -> dict[str, dict[str, Any]]:
    return {f["field"]: f for f in gql.data(KINDS, fields=fields)["facets"]}


def test_unique_text_fields_are_identifiers_and_groups_stay_lists(gql: GraphQLClient) -> None:
    gql.log(rows())
    found = kinds(gql)
    assert found["metadata.request_id"]["kind"] == "IDENTIFIER"
    assert found["metadata.request_id"]["distinct"] == ROWS
    assert found["metadata.path"]["kind"] == "IDENTIFIER"
    assert found["metadata.near"]["kind"] == "CATEGORY"
    assert found["metadata.few"]["kind"] == "CATEGORY"
    assert found["metadata.seq"]["kind"] == "NUMBER"
    assert found["label"]["kind"] == "CATEGORY"
    assert found["tags"]["kind"] == "TAGS"
    # Unique among the rows that have it, but too few values to need a text filter.
    sparse = found["metadata.sparse"]
    assert (sparse["kind"], sparse["distinct"]) == ("CATEGORY", IDENTIFIER_MIN_DISTINCT - 1)
    # The values are still there (the first `limit`), and counted as before.
    assert [v["count"] for v in found["metadata.request_id"]["values"]] == [1, 1, 1]
    assert found["metadata.request_id"]["total"] == ROWS


def test_the_kind_follows_the_datapoints_counted(gql: GraphQLClient) -> None:
    """Few rows of one value each: a short list, until enough rows make it an id."""
    few = rows()[: IDENTIFIER_MIN_DISTINCT - 1]
    gql.log(few)
    assert kinds(gql, ["metadata.request_id"])["metadata.request_id"]["kind"] == "CATEGORY"
    gql.log(rows())
    assert kinds(gql, ["metadata.request_id"])["metadata.request_id"]["kind"] == "IDENTIFIER"


def test_the_rule() -> None:
    assert is_identifier(IDENTIFIER_MIN_DISTINCT, IDENTIFIER_MIN_DISTINCT)
    assert not is_identifier(IDENTIFIER_MIN_DISTINCT - 1, IDENTIFIER_MIN_DISTINCT - 1)
    assert is_identifier(500, math.ceil(500 / IDENTIFIER_MIN_SHARE))
    assert not is_identifier(500, math.ceil(500 / IDENTIFIER_MIN_SHARE) + 1)
