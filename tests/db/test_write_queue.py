"""SQLite writers of one process take turns in arrival order (issue 14, item 11).

SQLite's busy handler lets a newcomer overtake a writer that has waited long (it sleeps up
to 100 ms between tries): with 8 ingest clients the slowest batch waited 28 s of the 30 s
busy timeout. ``Store.write`` queues a process's writers first, in order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select, text

from chroma.db.models import Project
from chroma.db.store import Store, open_store
from chroma.db.write_queue import WriteQueueStalled
from chroma.settings import Settings


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    store = open_store(Settings(data_dir=tmp_path / "data", auto_jobs=False))
    yield store
    store.dispose()


def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (a state change, not a duration: the bound only ends a test
    that would otherwise hang)."""
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(what)
        time.sleep(0.005)


def test_writers_get_the_database_in_the_order_they_asked(sqlite_store) -> None:
    store = sqlite_store
    queue = store.write_queue
    assert queue is not None
    order: list[int] = []
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with store.write() as session:
                session.add(Project(name=f"p{n}"))
                session.flush()
                order.append(n)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = []
    with store.write() as session:
        session.execute(text("UPDATE project SET revision = revision"))  # holds the lock
        for n in range(6):
            thread = threading.Thread(target=writer, args=(n,))
            thread.start()
            threads.append(thread)
            # One at a time, so that the arrival order is known.
            _until(
                lambda n=n: queue.waiting == n + 1,
                f"writer {n} never queued: Store.write does not take turns",
            )
    for thread in threads:
        thread.join()
    assert errors == []
    assert order == list(range(6))
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 6


def test_a_write_inside_a_write_of_the_same_thread_does_not_wait_for_itself(
    sqlite_store,
) -> None:
    store = sqlite_store
    # The outer transaction has not begun (nothing executed yet), so SQLite lets the inner
    # one write, as it did before the queue; queued behind the outer, it would wait forever.
    with store.write() as outer:
        with store.write() as inner:
            inner.add(Project(name="inner"))
        outer.add(Project(name="outer"))
    with store.read() as session:
        assert set(session.scalars(select(Project.name))) == {"inner", "outer"}
    assert store.write_queue is not None
    assert store.write_queue.waiting == 0


def test_a_write_held_past_the_busy_timeout_fails_the_waiting_one_clearly(tmp_path) -> None:
    store = open_store(
        Settings(data_dir=tmp_path / "data", auto_jobs=False, sqlite_busy_timeout=0.2)
    )
    failed = threading.Event()
    outcome: list[BaseException | None] = []

    def waiter() -> None:
        try:
            with store.write() as session:
                session.add(Project(name="late"))
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            failed.set()

    try:
        with store.write() as session:
            session.add(Project(name="first"))
            session.flush()
            thread = threading.Thread(target=waiter)
            thread.start()
            # Held until the waiter has given up: it never sees the queue move.
            assert failed.wait(60), "the waiting write never gave up"
        thread.join()
        assert len(outcome) == 1
        assert isinstance(outcome[0], WriteQueueStalled)
        assert "database is locked" in str(outcome[0])
        assert "CHROMA_SQLITE_BUSY_TIMEOUT" in str(outcome[0])
        assert store.write_queue is not None
        assert store.write_queue.waiting == 0
        with store.write() as session:  # the queue is not left stuck
            session.add(Project(name="next"))
        with store.read() as session:
            names = set(session.scalars(select(Project.name)))
        assert names == {"first", "next"}
    finally:
        store.dispose()
