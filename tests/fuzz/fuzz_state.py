"""The state a refused request must leave as it was, cheap enough to read after every
request of a fuzz run: rows per table, the seeded names and datapoint values, and every
file of the data dir (but the SQLite database itself, which the row reads cover)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, literal, select, text, union_all

from chroma.db.models import Base
from chroma.db.store import Store

State = dict[str, Any]


def snapshot(store: Store) -> State:
    tables = Base.metadata.sorted_tables
    counting = union_all(
        *(select(literal(table.name), func.count()).select_from(table) for table in tables)
    )
    with store.read() as session:
        counts = {str(name): int(count) for name, count in session.execute(counting).all()}
        datapoints = session.execute(
            text(
                "SELECT id, dataset_id, key, label, prediction, prediction_score,"
                " CAST(metadata AS TEXT), uri, text, has_image FROM datapoint ORDER BY id"
            )
        ).all()
        names = session.execute(
            text(
                "SELECT 'project', id, name FROM project UNION ALL SELECT 'dataset', id, name"
                " FROM dataset UNION ALL SELECT 'space', id, name FROM space"
                " UNION ALL SELECT 'tag', id, name FROM tag ORDER BY 1, 2"
            )
        ).all()
    return {
        "counts": counts,
        "datapoints": [tuple(row) for row in datapoints],
        "names": [tuple(row) for row in names],
        "files": _files(store.settings.data_dir),
    }


def _files(root: Path) -> list[tuple[str, int]]:
    if not root.exists():
        return []
    return sorted(
        (str(path.relative_to(root)), path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith("chroma.db")
    )


def difference(before: State, after: State) -> str:
    """What changed, in a line: the tables whose rows changed, the files added or removed."""
    parts = []
    for table, count in after["counts"].items():
        if before["counts"].get(table) != count:
            parts.append(f"{table}: {before['counts'].get(table)} -> {count} rows")
    for part in ("datapoints", "names"):
        if before[part] != after[part] and before["counts"] == after["counts"]:
            changed = sorted(set(after[part]) - set(before[part]))[:3]
            parts.append(f"{part} changed: {changed}")
    added = sorted(set(after["files"]) - set(before["files"]))[:3]
    removed = sorted(set(before["files"]) - set(after["files"]))[:3]
    if added:
        parts.append(f"files added: {added}")
    if removed:
        parts.append(f"files removed: {removed}")
    return "; ".join(parts) or "no difference"


class StateWatch:
    """Reads the state after each request and compares it with the one before.

    Only requests change the state during a fuzz run (the server's jobs go to a broker no
    worker reads), so the state after one request is the state before the next.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.last = snapshot(store)

    def reset(self) -> None:
        self.last = snapshot(self.store)

    def after_request(self) -> tuple[State, State]:
        """(before, after) the request just answered."""
        before, self.last = self.last, snapshot(self.store)
        return before, self.last
