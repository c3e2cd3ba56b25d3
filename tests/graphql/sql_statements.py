"""The SQL a request ran: statements recorded on a store's engine inside a block."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from chroma.db.store import Store

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")
JOB_DISPATCHER = "chroma-jobs"
"""The server's job dispatcher thread (jobs/inprocess.py): it polls the job table on its own
schedule, so its statements say nothing about a request and may land in any window."""
JOB_TABLE = re.compile(r"\b(FROM|UPDATE|INTO)\s+job\b")


@contextmanager
def ran_statements(store: Store, *, job_table: bool = True) -> Iterator[list[str]]:
    """The statements the store's engine runs inside the block (the test's server runs in
    this process), less bare transaction control (SQLite's explicit BEGIN is not a query;
    PostgreSQL's is implicit) and the job runner's dispatcher (it polls on its own clock).
    With ``job_table=False`` also less every statement on the job table (the reaper's)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name == JOB_DISPATCHER:
            return
        if statement.lstrip().split(None, 1)[0].upper() in TRANSACTION_CONTROL:
            return
        if not job_table and JOB_TABLE.search(statement):
            return
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
