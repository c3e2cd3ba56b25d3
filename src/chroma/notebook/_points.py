"""A map's points as the notebook widget holds them: the Arrow table read through the SDK,
the bytes the front end decodes, and selections spoken as row indices, keys or DataFrames.

Row ``i`` of the table is point ``i`` of the front end (it decodes these very bytes), so a
selection travels between the two as row indices and never needs ids on the wire.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

from chroma.core.errors import InvalidInput
from chroma.sdk._client import Endpoint
from chroma.sdk._projections import fetch_points

if TYPE_CHECKING:
    import pandas as pd

# What the widget loads besides id, x, y and placed: what colours a map and what a user
# expects in a selection. Columns named by ``color_by`` or ``columns=`` come on top.
SHOWN_COLUMNS = ("key", "label", "prediction", "score", "dataset", "tags")
# Not colour choices: positions, identity, and the key (unique per point, so no colours).
_NOT_COLOURS = frozenset({"id", "x", "y", "placed", "key"})
# Derived by the front end from label and prediction (ui/src/points/derived.ts).
CORRECT = "correct"
_SHOWN_LIMIT = 20
"""How many missing keys an error lists."""


@dataclass
class MapPoints:
    """One read of a map's points (``GET /api/v1/points``) with the columns asked for."""

    projection_id: int
    table: pa.Table
    _rows_by_key: dict[Hashable, list[int]] | None = field(default=None, repr=False)

    @classmethod
    def read(cls, endpoint: Endpoint, projection_id: int, columns: Sequence[str]) -> MapPoints:
        """Read the points over HTTP (the user's URL and token), as every SDK call does.

        Raises:
            InvalidInput: An unknown column (``where`` names it).
            NotFound: No map with this id.
        """
        wanted = list(dict.fromkeys(columns))
        with endpoint.client() as client:
            table = fetch_points(client, projection_id, wanted)
        # One record batch with one dictionary per column: the simplest stream to decode.
        return cls(projection_id, table.unify_dictionaries().combine_chunks())

    @property
    def count(self) -> int:
        return int(self.table.num_rows)

    @property
    def loaded(self) -> list[str]:
        """The columns read, besides id, x, y and placed."""
        return [name for name in self.table.column_names if name not in ("id", "x", "y", "placed")]

    def colours(self) -> list[str]:
        """What the map can be coloured by with no further read."""
        found = [name for name in self.table.column_names if name not in _NOT_COLOURS]
        if "label" in found and "prediction" in found:
            found.append(CORRECT)
        return found

    def ipc_bytes(self) -> bytes:
        """The table as an Arrow IPC stream: what ``ui/src/points/decode.ts`` reads."""
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self.table.schema) as writer:
            writer.write_table(self.table)
        return bytes(sink.getvalue().to_pybytes())

    def rows(self, indices: Iterable[int]) -> pd.DataFrame:
        """These points as a DataFrame (the key first, then label, x, y and the rest)."""
        chosen = self.table.take(pa.array(sorted(set(indices)), type=pa.int64()))
        first = [name for name in ("key", "label", "x", "y") if name in chosen.column_names]
        order = first + [name for name in chosen.column_names if name not in first]
        frame: pd.DataFrame = chosen.select(order).to_pandas()
        return frame

    def same_points(self, indices: Iterable[int], earlier: MapPoints) -> list[int]:
        """Rows here of the datapoints at ``indices`` of an ``earlier`` read (by id: points
        placed into the map in between move the rows)."""
        ids = earlier.table.column("id").to_pylist()
        rows = {value: i for i, value in enumerate(self.table.column("id").to_pylist())}
        return sorted(rows[ids[i]] for i in indices if ids[i] in rows)

    def indices_of(self, wanted: object, where: str = "selection") -> list[int]:
        """Row indices of points named by keys, or by a DataFrame's ``key`` (else ``id``)
        column; None or an empty list select nothing.

        Raises:
            InvalidInput: Something other than keys or such a DataFrame, or keys (ids) that
                are not on this map (the first few are named).
        """
        if wanted is None:
            return []
        column, asked = _names_in(wanted, where)
        lookup: Mapping[Hashable, list[int]]
        if column == "id":
            lookup = {value: [i] for i, value in enumerate(self.table.column("id").to_pylist())}
        else:
            lookup = self._by_key()
        found: list[int] = []
        missing: list[Hashable] = []
        for value in asked:
            rows = lookup.get(value)
            if rows is None:
                missing.append(value)
            else:
                found.extend(rows)
        if missing:
            named = ", ".join(repr(m) for m in missing[:_SHOWN_LIMIT])
            more = f" and {len(missing) - _SHOWN_LIMIT} more" if len(missing) > _SHOWN_LIMIT else ""
            raise InvalidInput(
                f"{len(missing)} {column}s are not on map {self.projection_id}: {named}{more}",
                where=where,
            )
        return sorted(set(found))

    def _by_key(self) -> dict[Hashable, list[int]]:
        if self._rows_by_key is None:
            if "key" not in self.table.column_names:
                raise InvalidInput("this map was read without its key column", where="key")
            rows: dict[Hashable, list[int]] = {}
            for i, key in enumerate(self.table.column("key").to_pylist()):
                if key is not None:
                    # A key names one datapoint per dataset: it selects all of them.
                    rows.setdefault(str(key), []).append(i)
            self._rows_by_key = rows
        return self._rows_by_key


def _names_in(wanted: object, where: str) -> tuple[str, list[Hashable]]:
    """("key" or "id", the values) of a selection given as keys or a DataFrame."""
    import pandas as pd

    if isinstance(wanted, pd.DataFrame):
        if "key" in wanted.columns:
            return "key", [str(value) for value in wanted["key"]]
        if "id" in wanted.columns:
            return "id", [int(value) for value in wanted["id"]]
        raise InvalidInput(
            f"a DataFrame selects by its 'key' (or 'id') column; it has {list(wanted.columns)}",
            where=where,
        )
    values = [wanted] if isinstance(wanted, str) else wanted
    if isinstance(values, Iterable):
        keys: list[Hashable] = []
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise InvalidInput(
                    f"a selection is datapoint keys (str) or a DataFrame with a key column, "
                    f"got {value!r}",
                    where=f"{where}[{i}]",
                )
            keys.append(value)
        return "key", keys
    raise InvalidInput(
        f"a selection is datapoint keys (str) or a DataFrame with a key column, got {wanted!r}",
        where=where,
    )
