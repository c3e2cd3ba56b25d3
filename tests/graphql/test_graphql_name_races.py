"""Two writers taking one name: the loser gets a Conflict, never a raw IntegrityError.

The name check runs before the insert, but a writer can commit the name in between: on
PostgreSQL the second insert then waits on the unique index and fails once the first
commits, and that IntegrityError must come out as the same Conflict. On SQLite, write
transactions queue (BEGIN IMMEDIATE), so the check itself sees the winner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import IntegrityError

from chroma.core.errors import Conflict
from chroma.db.models import Project
from chroma.db.store import Store
from chroma.services import catalog


def wait_until_blocked(store: Store) -> None:
    """Until the contender waits on a lock (PostgreSQL) or has surely begun (SQLite)."""
    if store.is_sqlite:
        time.sleep(0.3)
        return
    # Autocommit: inside one transaction pg_stat_activity would show one frozen snapshot.
    watcher = create_engine(store.settings.resolved_database_url, isolation_level="AUTOCOMMIT")
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    try:
        deadline = time.monotonic() + 20
        with watcher.connect() as conn:
            while conn.execute(waiting).scalar_one() == 0:
                assert time.monotonic() < deadline, "the contender never blocked"
                time.sleep(0.02)
    finally:
        watcher.dispose()


def race(store: Store, name: str, contender: Callable[[], object]) -> BaseException | object:
    """Run ``contender`` while another transaction holds ``name``, uncommitted."""
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(contender())
        except Exception as exc:  # the test inspects whatever happened
            outcome.append(exc)

    with store.write() as session:
        session.execute(insert(Project).values(name=name))
        session.flush()
        thread = threading.Thread(target=run)
        thread.start()
        wait_until_blocked(store)
    thread.join(timeout=30)
    [result] = outcome
    return result


def assert_reported_as_conflict(store: Store, result: BaseException | object) -> Conflict:
    assert isinstance(result, Conflict), result
    if not store.is_sqlite:
        assert isinstance(result.__cause__, IntegrityError)
    return result


def test_a_project_name_taken_between_check_and_insert_is_a_conflict(store) -> None:
    result = race(store, "contested", lambda: catalog.create_project(store, "contested"))

    conflict = assert_reported_as_conflict(store, result)
    assert conflict.where == "name"
    assert conflict.message == "a project named 'contested' already exists"


def test_renaming_onto_a_name_taken_meanwhile_is_a_conflict(store) -> None:
    catalog.create_project(store, "a")

    result = race(store, "b", lambda: catalog.rename_project(store, "a", "b"))

    conflict = assert_reported_as_conflict(store, result)
    assert conflict.where == "newName"
    assert conflict.message == "cannot rename project 'a': a project named 'b' already exists"
