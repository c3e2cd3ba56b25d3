"""``facets`` answers exactly, on both databases, for the values that are easy to get wrong
when counting in SQL: numbers written as 1 and 1.0 (and the text "1"), booleans next to the
text "true", nulls and nested values, integers past 2**53, floats that need 17 digits,
ties ordered by code point (not by a database collation), field names with quotes, dots,
backslashes, spaces and non-ASCII letters, and the space and dataset narrowing.

The expected answers come from :func:`expected`, the rules written out over the rows
logged here (independently of the server).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import orjson
import pytest
from graphql_client import GraphQLClient
from sqlalchemy import select

from chroma.db.models import Datapoint
from chroma.db.store import Store
from chroma.services.facet_sql import MAX_RANGES, among_ids
from chroma.services.facets import is_identifier

FACETS = """
query ($space: String, $datasets: [String!], $fields: [String!], $limit: Int!) {
  facets(project: "demo", space: $space, datasets: $datasets, fields: $fields,
         limit: $limit) {
    field kind distinct missing total min max values { value count }
  }
}
"""
ODD_NAMES = ['a"b', "x.y", "spaced name", "ünï", "q\\", "$.a", "[0]"]
MIX = [1, 1.0, "1", True, "true", 2.5, None, {"a": 1}, [1], "", "b", False, "é"]
NUMBERS = [3, 3.0, 10, 9, -1, 0.1 + 0.2, 1e16, 2.5, None, 2**53 + 1, 2**53, 100, 1e-7]
WORDS = ["Z", "a", "z", "é", "Ω", "a", "Z", "z", "é", "Ω", "b", "émigré", " a"]


def clip_rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(len(MIX)):
        metadata: dict[str, Any] = {
            "mix": MIX[i],
            "num": NUMBERS[i],
            "word": WORDS[i],
            "flag": i % 3 == 0,
            "nested": {"deep": i} if i % 2 else [i],
        }
        if i == 7:
            metadata.pop("mix")  # absent: missing, like null and nested values
        for j, name in enumerate(ODD_NAMES):
            metadata[name] = (i + j) % 3 if j % 2 else f"v{(i * j) % 4}"
        rows.append(
            {
                "key": f"c{i}",
                "label": WORDS[(i + 3) % len(WORDS)],
                "prediction": None if i % 5 == 0 else "p",
                "metadata": metadata,
            }
        )
    rows.append({"key": "bare", "label": "a"})  # no metadata at all
    return rows


def other_rows() -> list[dict[str, Any]]:
    """Rows with a vector in space "other" only: counted without ``space``, not in "clip"."""
    return [
        {
            "key": f"o{i}",
            "label": "elsewhere",
            "metadata": {"mix": "elsewhere", "num": 1000 + i, "word": "Z", "x.y": "v9"},
        }
        for i in range(3)
    ]


def held_rows() -> list[dict[str, Any]]:
    return [
        {"key": f"h{i}", "label": "Z", "metadata": {"num": 7.5, "word": "held"}} for i in range(2)
    ]


def number_text(value: float) -> str:
    """As JSON writes the number read as a float (whole numbers without a fraction)."""
    number = float(value)
    return orjson.dumps(int(number) if number.is_integer() else number).decode()


def value_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    return str(value)


def expected(field: str, rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """The facet the rules give for ``field`` over ``rows``."""
    if field in ("label", "prediction"):
        raw = [row.get(field) for row in rows]
    else:
        raw = [(row.get("metadata") or {}).get(field.removeprefix("metadata.")) for row in rows]
    scalars = [v for v in raw if value_text(v) is not None]
    numeric = bool(scalars) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in scalars
    )
    if numeric and not all(float(v).is_integer() for v in scalars):
        # A field with any fraction writes each number as a float: 3 as "3.0", 1e16 as "1e+16".
        counts = Counter(orjson.dumps(float(v)).decode() for v in scalars)
    else:
        counts = Counter(number_text(v) if numeric else value_text(v) for v in scalars)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    kind = "NUMBER" if numeric else "CATEGORY"
    if not numeric and is_identifier(len(counts), len(scalars)):
        kind = "IDENTIFIER"
    return {
        "field": field,
        "kind": kind,
        "distinct": len(counts),
        "missing": len(rows) - len(scalars),
        "total": len(rows),
        "min": float(min(scalars)) if numeric else None,
        "max": float(max(scalars)) if numeric else None,
        "values": [{"value": value, "count": count} for value, count in ranked],
    }


FIELDS = [
    "label",
    "prediction",
    "metadata.mix",
    "metadata.num",
    "metadata.word",
    "metadata.flag",
    "metadata.nested",
    "metadata.absent",
    *[f"metadata.{name}" for name in ODD_NAMES],
]


@pytest.fixture
def logged(gql: GraphQLClient) -> None:
    gql.log(clip_rows(), dataset="train", space="clip")
    gql.log(other_rows(), dataset="train", space="other")
    gql.log(held_rows(), dataset="held", space="clip")


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_every_field_of_the_space_exactly(gql: GraphQLClient, logged: None, limit: int) -> None:
    found = gql.data(FACETS, space="clip", datasets=["train"], fields=FIELDS, limit=limit)
    assert found["facets"] == [expected(field, clip_rows(), limit) for field in FIELDS]


def test_without_a_space_every_dataset_s_datapoints_count(gql: GraphQLClient, logged: None) -> None:
    rows = clip_rows() + other_rows() + held_rows()
    found = gql.data(FACETS, fields=FIELDS, limit=5)
    assert found["facets"] == [expected(field, rows, 5) for field in FIELDS]


def test_the_values_read_as_pinned(gql: GraphQLClient, logged: None) -> None:
    """The same rules, spelled out for the cases they decide."""
    fields = ["metadata.mix", "metadata.num", "metadata.word"]
    mix, num, word = gql.data(FACETS, space="clip", datasets=["train"], fields=fields, limit=100)[
        "facets"
    ]
    # 1, 1.0 and "1" are one value; true and "true" another; nulls and nested are missing.
    assert mix["kind"] == "CATEGORY"
    assert [(v["value"], v["count"]) for v in mix["values"]] == [
        ("1", 3), ("true", 2), ("", 1), ("2.5", 1), ("b", 1), ("false", 1), ("é", 1),
    ]  # fmt: skip
    assert (mix["distinct"], mix["missing"], mix["total"]) == (7, 4, 14)
    texts = {v["value"]: v["count"] for v in num["values"]}
    assert num["kind"] == "NUMBER"
    assert texts["3.0"] == 2  # 3 and 3.0 (as floats: the field has fractions)
    assert texts["9007199254740992.0"] == 2  # 2**53 + 1 reads as the float 2**53
    assert texts["0.30000000000000004"] == 1  # all 17 digits (SQLite had 15: "0.3")
    assert texts["1e+16"] == 1
    assert texts["1e-7"] == 1
    assert (num["min"], num["max"]) == (-1, 1e16)
    # Ties by code point: "Z" before "a" before "z" before "é" and "Ω".
    assert [v["value"] for v in word["values"]][:5] == ["Z", "a", "z", "é", "Ω"]


def test_the_overview_lists_only_fields_with_a_scalar_value(
    gql: GraphQLClient, logged: None
) -> None:
    found = gql.data(FACETS, space="clip", datasets=["train"], fields=None, limit=2)["facets"]
    names = [f["field"] for f in found]
    assert names[:4] == ["label", "prediction", "dataset", "tags"]
    assert "metadata.nested" not in names
    assert {f"metadata.{name}" for name in ODD_NAMES} <= set(names)


@pytest.mark.parametrize("pick", ["scattered", "one run", "none"])
def test_a_set_of_ids_selects_exactly_those_datapoints(
    gql: GraphQLClient, store: Store, pick: str
) -> None:
    """What narrows facets to a space: ranges while the ids run in few runs, a bound list
    beyond ``MAX_RANGES`` of them (a space holding every other datapoint)."""
    gql.log([{"key": f"k{i}", "label": "a"} for i in range(3 * MAX_RANGES)])
    with store.read() as session:
        ids = np.array(sorted(session.scalars(select(Datapoint.id))), dtype=np.int64)
        chosen = {"scattered": ids[::2], "one run": ids[5:40], "none": ids[:0]}[pick]
        found = session.scalars(select(Datapoint.id).where(among_ids(session, chosen)))
        assert sorted(found) == chosen.tolist()
