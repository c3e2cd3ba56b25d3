"""Text search latency (issue 16): ``services/search.py`` over a million datapoints.

Not a test: run on demand (``.venv/bin/python benchmarks/search.py``; ``--n 100000`` for a
quicker look, ``--postgres`` for the local PostgreSQL server as well). N datapoints
(default 1,000,000: a key, a label, a prediction, a sentence of text and two metadata
fields each, about 120 bytes of text a row) are written straight into a fresh store's
``datapoint`` table (no vectors: search reads none). Then, 5 runs each after one warm-up
(p50, and the slowest):

- the baselines, on the same table and rows: ``SELECT count(*)`` of the project's
  datapoints (the scan alone), and a scan that reads every searched column
  (``sum(length(...))`` of key, label, prediction, text and metadata);
- searches through the use case, as GraphQL's ``search`` runs it (the SQL and the parse
  of the ids): a rare word (12 hits), a common word (about 1 in 8 rows: over the 100,000
  ids it answers, so truncated), a word found nowhere, one field only (label), a
  metadata value, and text with ``%`` and ``_`` in it.

- the facets the Explorer asks for to tell identifier-like fields from categories
  (``services/facets.py``, GraphQL ``facets(fields: [...], limit: 1)`` as
  ``useIdentifierFields`` sends it): label, prediction and the metadata fields ``source``
  (37 values: a category) and ``request`` (unique per row: an identifier), each kind
  decided over every datapoint. Without ``space`` (this table has no vectors): the
  Explorer's query also narrows to the map's space, a snapshot of its datapoint ids and
  one ``np.isin`` more. Twice: counted by the database (the answers kept per process
  cleared first, as a write would make them stale), and asked again (the kept answer:
  what every later load of the Explorer gets until the next write).

It prints each one's p50 and its ratio to the column-reading scan's p50.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import text

from chroma.db.store import Store, open_store
from chroma.services import catalog, facets, search
from chroma.settings import Settings
from report import load_average
from servers import scratch_postgres

PROJECT, DATASET = "bench", "train"
RUNS = 5
BATCH = 50_000
CLASSES = ["cat", "dog", "bird", "horse", "ship", "truck", "frog", "deer", "plane", "car"]
WORDS = [
    "a",
    "photo",
    "of",
    "the",
    "small",
    "large",
    "red",
    "green",
    "blue",
    "old",
    "new",
    "bright",
    "dark",
    "cloudy",
    "sunny",
    "river",
    "street",
    "field",
    "forest",
    "city",
    "beach",
    "mountain",
    "road",
    "garden",
    "house",
    "window",
    "table",
    "morning",
    "night",
]
RARE = "zanzibar"
RARE_EVERY = 83_333  # 12 hits in a million


def rows(n: int, dataset_id: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(7)
    now = "2026-01-01 00:00:00.000000"
    for i in range(n):
        label = CLASSES[i % len(CLASSES)]
        words = rng.choices(WORDS, k=8)
        if i % RARE_EVERY == 0:
            words[3] = RARE.upper() if i % 2 else RARE
        if i % 250_000 == 1:
            words[0] = "50%_off"
        # request: unique per row, the identifier the facets benchmark classifies
        metadata = {"source": f"camera-{i % 37}", "batch": i // 1000, "request": f"r{i:07x}"}
        yield (
            dataset_id,
            f"sample-{i:07d}",
            label,
            CLASSES[(i * 7) % len(CLASSES)],
            0.5,
            orjson.dumps(metadata).decode(),
            " ".join(words),
            False,
            now,
            now,
        )


def fill(store: Store, n: int) -> None:
    with store.write() as session:
        project = catalog.ensure_project(session, PROJECT)
        dataset = catalog.ensure_dataset(session, project, DATASET)
        dataset_id = dataset.id
    columns = (
        "dataset_id, key, label, prediction, prediction_score, metadata, text, has_image, "
        "created_at, updated_at"
    )
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        batch: list[tuple[object, ...]] = []
        if store.is_sqlite:
            cursor.execute("BEGIN")  # the store's connections leave transactions to us
            insert = f"INSERT INTO datapoint ({columns}) VALUES ({', '.join('?' * 10)})"
            for row in rows(n, dataset_id):
                batch.append(row)
                if len(batch) == BATCH:
                    cursor.executemany(insert, batch)
                    batch.clear()
            if batch:
                cursor.executemany(insert, batch)
        else:
            with cursor.copy(f"COPY datapoint ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows(n, dataset_id):
                    copy.write_row(row)
        raw.commit()
        if not store.is_sqlite:
            cursor.execute("ANALYZE datapoint")
            raw.commit()
    finally:
        raw.close()


def timed(work: Callable[[], object]) -> tuple[float, float, object]:
    """p50 and max seconds over RUNS runs after one warm-up, and the last answer."""
    answer = work()
    seconds = []
    for _ in range(RUNS):
        start = time.perf_counter()
        answer = work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), max(seconds), answer


def bench(store: Store, n: int, label: str) -> None:
    started = time.perf_counter()
    fill(store, n)
    print(f"\n{label}: {n:,} datapoints written in {time.perf_counter() - started:.1f} s")
    length = "length" if store.is_sqlite else "octet_length"
    meta = "metadata" if store.is_sqlite else "metadata::text"
    scope = "dataset_id IN (SELECT id FROM dataset)"
    baselines = {
        "SELECT count(*)": f"SELECT count(*) FROM datapoint WHERE {scope}",
        "scan of the searched columns": (
            f"SELECT sum({length}(key) + coalesce({length}(label), 0) + "
            f"coalesce({length}(prediction), 0) + coalesce({length}(text), 0) + "
            f"coalesce({length}({meta}), 0)) FROM datapoint WHERE {scope}"
        ),
    }
    print(f"{'what':<44} {'p50 ms':>9} {'max ms':>9} {'x scan':>7}  hits (ids answered)")
    reference = 0.0
    for name, sql in baselines.items():

        def scan(sql: str = sql) -> object:
            with store.read() as session:
                return session.execute(text(sql)).scalar_one()

        p50, worst, _ = timed(scan)
        reference = p50
        print(f"{name:<44} {p50 * 1000:>9.1f} {worst * 1000:>9.1f}")
    cases: list[tuple[str, str, str | None]] = [
        (f"rare word {RARE!r} (any case)", RARE.capitalize(), None),
        ("common word 'forest'", "forest", None),
        ("nowhere 'qwertyuiop'", "qwertyuiop", None),
        ("label only 'bird'", "bird", "label"),
        ("metadata 'camera-36'", "camera-36", "metadata"),
        ("literal '50%_off'", "50%_off", None),
        ("key 'sample-0999999'", "sample-0999999", "key"),
    ]
    for name, query, field in cases:

        def run(query: str = query, field: str | None = field) -> search.SearchResult:
            with store.read() as session:
                return search.search(session, PROJECT, query, field=field)

        p50, worst, answer = timed(run)
        assert isinstance(answer, search.SearchResult)
        print(
            f"{name:<44} {p50 * 1000:>9.1f} {worst * 1000:>9.1f} {p50 / reference:>6.1f}x  "
            f"{answer.count:,} ({len(answer.ids):,}{', truncated' if answer.truncated else ''})"
        )
    fields = ["label", "prediction", "metadata.source", "metadata.request"]

    def classify() -> list[facets.Facet]:
        return facets.facets(store, project=PROJECT, fields=fields, limit=1)

    def count_again() -> list[facets.Facet]:
        facets.ANSWERS.clear()  # as after a write: the database counts
        return classify()

    for name, work in (
        ("facets of 4 fields, counted", count_again),
        ("facets of 4 fields, asked again (kept)", classify),
    ):
        p50, worst, found = timed(work)
        assert isinstance(found, list)
        kinds = ", ".join(f"{f.field.removeprefix('metadata.')} {f.kind}" for f in found)
        print(
            f"{name:<44} {p50 * 1000:>9.1f} {worst * 1000:>9.1f} {p50 / reference:>6.1f}x  {kinds}"
        )


@contextmanager
def sqlite_store(root: Path) -> Iterator[Store]:
    store = open_store(Settings(data_dir=root / "sqlite", auto_jobs=False, job_prewarm=False))
    try:
        yield store
    finally:
        store.dispose()


@contextmanager
def postgres_store(root: Path) -> Iterator[Store]:
    with scratch_postgres() as url:
        settings = Settings(
            data_dir=root / "pg", database_url=url, auto_jobs=False, job_prewarm=False
        )
        store = open_store(settings)
        try:
            yield store
        finally:
            store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help="also on local PostgreSQL")
    parser.add_argument("--only-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average: {load_average()}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="chroma-search-") as tmp:
        root = Path(tmp)
        if not args.only_postgres:
            with sqlite_store(root) as store:
                bench(store, args.n, "SQLite")
        if args.postgres or args.only_postgres:
            with postgres_store(root) as store:
                bench(store, args.n, "PostgreSQL")


if __name__ == "__main__":
    main()
