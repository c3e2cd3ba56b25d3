"""Generated ingest bodies: OpenAPI cannot describe an Arrow stream, so these strategies
make them. A valid batch (so that some go through and the state a refusal must keep is a
moving one), often with one column made hostile (a wrong Arrow type, NUL, NaN, empty or
repeated keys, a wrong dimension, metadata that is no object or nests deep, bytes that are
no image, an unknown column), compressed inside or not, sometimes cut short or with a byte
changed."""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa
from fuzz_seed import DATASETS, DIMENSION, PROJECT, SPACE, arrow_stream, png
from hypothesis import strategies as st

from chroma.core.wire import OPTIONAL_COLUMNS

HOSTILE_TEXT = st.sampled_from(["", "dup\x00one", "x" * 600, "\u00b2", "\ud7ff\ue000"])
CLEAN_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=12
)
TEXT = CLEAN_TEXT | HOSTILE_TEXT
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
FINITE = st.floats(width=32, allow_nan=False, allow_infinity=False)
FLOATS = FINITE | st.sampled_from([float("nan"), float("inf"), -0.0])


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # integers beyond 64 bits: as Python writes them
        return str(value)


def _cells(values: st.SearchStrategy[Any], rows: int, *, nulls: bool = True) -> Any:
    return st.lists(st.none() | values if nulls else values, min_size=rows, max_size=rows)


def _vectors(values: list[float], dimension: int, kind: str = "fixed") -> pa.Array:
    rows = len(values) // dimension
    if kind == "list":
        return pa.array([values[i * dimension : (i + 1) * dimension] for i in range(rows)])
    flat = pa.array(values, pa.float32())
    if kind == "float64":
        flat = flat.cast(pa.float64())
    return pa.FixedSizeListArray.from_arrays(flat, dimension)


@st.composite
def _clean(draw: st.DrawFn) -> dict[str, pa.Array]:
    """A batch the server takes: unique keys, finite vectors of the seeded dimension (or of
    another one, for a new space), some optional columns of the right types."""
    rows = draw(st.integers(1, 4))
    keys = draw(
        st.lists(
            st.sampled_from(["train-0", "k1", "k2"]) | CLEAN_TEXT,
            unique=True,
            min_size=rows,
            max_size=rows,
        )
    )
    dimension = draw(st.sampled_from([DIMENSION, DIMENSION, 3]))
    values = draw(st.lists(FINITE, min_size=rows * dimension, max_size=rows * dimension))
    columns = {"key": pa.array(keys, pa.string()), "vector": _vectors(values, dimension)}
    for name in draw(st.sets(st.sampled_from(list(OPTIONAL_COLUMNS)), max_size=4)):
        if name == "score":
            cells = draw(_cells(FINITE.map(float), rows))
        elif name == "image":
            cells = draw(_cells(st.just(png()), rows))
        elif name == "metadata":
            objects = st.dictionaries(CLEAN_TEXT, JSON_SCALARS, max_size=3).map(_json_text)
            cells = draw(_cells(objects, rows))
        else:
            cells = draw(_cells(CLEAN_TEXT, rows))
        columns[name] = pa.array(cells, OPTIONAL_COLUMNS[name])
    return columns


@st.composite
def _hostile(draw: st.DrawFn, rows: int, name: str) -> pa.Array:
    """A column that breaks one rule."""
    kind = draw(st.sampled_from(["wrong type", "values", "values"]))
    if kind == "wrong type":
        wrong = draw(st.sampled_from(["int64", "double", "bool", "binary", "null", "list"]))
        cells = {
            "int64": st.integers(-(2**63), 2**63 - 1),
            "double": FLOATS,
            "bool": st.booleans(),
            "binary": st.binary(max_size=8),
            "null": st.none(),
            "list": st.lists(TEXT, max_size=2),
        }[wrong]
        return pa.array(draw(_cells(cells, rows)))
    if name == "vector":
        dimension = draw(st.sampled_from([DIMENSION, 1, 5]))
        values = draw(st.lists(FLOATS, min_size=rows * dimension, max_size=rows * dimension))
        form = draw(st.sampled_from(["fixed", "list", "float64"]))
        return _vectors(values, dimension, form)
    if name == "score":
        return pa.array(draw(_cells(FLOATS.map(float), rows)), pa.float64())
    if name == "image":
        junk = st.binary(max_size=24) | st.just(b"\x89PNG\r\n\x1a\n") | st.just(png()[:40])
        return pa.array(draw(_cells(junk, rows)), pa.binary())
    if name == "metadata":
        return pa.array(draw(_cells(JSON_VALUES.map(_json_text) | TEXT, rows)), pa.string())
    return pa.array(draw(_cells(TEXT, rows, nulls=name != "key")), pa.string())


@st.composite
def ingest_tables(draw: st.DrawFn) -> pa.Table:
    columns = draw(_clean())
    rows = len(columns["key"])
    if draw(st.booleans()):
        name = draw(st.sampled_from(["key", "vector", *OPTIONAL_COLUMNS, "extra", ""]))
        columns[name] = draw(_hostile(rows, name))
    if draw(st.integers(0, 9)) == 7:  # a tenth of the time (hypothesis favours 0 and 9)
        del columns[draw(st.sampled_from(["key", "vector"]))]
    return pa.table(columns)


@st.composite
def ingest_bodies(draw: st.DrawFn) -> bytes:
    """An Arrow stream, maybe compressed inside, maybe cut short or with a byte changed."""
    body = arrow_stream(draw(ingest_tables()), draw(st.sampled_from([None, None, "zstd", "lz4"])))
    damage = draw(st.sampled_from(["none"] * 6 + ["cut", "flip"]))
    if damage == "cut":
        body = body[: draw(st.integers(0, len(body) - 1))]
    elif damage == "flip":
        at = draw(st.integers(0, len(body) - 1))
        body = body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
    return body


INGEST_PARAMS = st.fixed_dictionaries(
    {
        "project": st.sampled_from([PROJECT, PROJECT, "fz"]) | TEXT,
        "dataset": st.sampled_from([*DATASETS, "fz"]),
        "space": st.sampled_from([SPACE, SPACE, "fz"]) | TEXT,
    }
)
