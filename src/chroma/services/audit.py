"""Who made which write: the audit trail (``audit_event``), read by admins over GraphQL.

The GraphQL layer records each mutation field that succeeded, and ingest each batch it
wrote (in the batch's own commit: who logged which rows where), with arguments cut short
(:func:`summarise`): lists keep their first entries and their length, strings their
first characters, and arguments that carry secrets are never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.db.models import AuditEvent, utcnow
from chroma.db.store import Store
from chroma.services.principals import Principal

KEPT_ITEMS = 20
KEPT_CHARS = 200
MAX_DEPTH = 4
SECRET_ARGUMENTS = frozenset({"token", "password"})
MAX_PAGE = 1000


@dataclass(frozen=True)
class Write:
    """A write to record: what (``action``) with which arguments."""

    action: str
    details: dict[str, Any]


@dataclass(frozen=True)
class EventRecord:
    id: int
    at: datetime
    principal: str
    role: str
    action: str
    details: dict[str, Any] | None


def summarise(value: Any, depth: int = 0) -> Any:
    """``value`` small enough to keep: lists cut to their first entries (with the count),
    strings to their first characters, nesting to a few levels."""
    if depth > MAX_DEPTH:
        return "…"
    if isinstance(value, str):
        text = value.replace("\x00", "\\0")
        return text if len(text) <= KEPT_CHARS else f"{text[:KEPT_CHARS]}… ({len(text):,} chars)"
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dict):
        return {
            str(key)[:KEPT_CHARS]: "(hidden)"
            if key in SECRET_ARGUMENTS
            else summarise(item, depth + 1)
            for key, item in list(value.items())[:KEPT_ITEMS]
        }
    if isinstance(value, list | tuple):
        kept = [summarise(item, depth + 1) for item in value[:KEPT_ITEMS]]
        return kept if len(value) <= KEPT_ITEMS else {"first": kept, "count": len(value)}
    return str(value)[:KEPT_CHARS]


def record(store: Store, principal: Principal, writes: Sequence[Write]) -> None:
    """Record writes that have committed, in a transaction of their own (GraphQL's)."""
    if writes:
        with store.write() as session:
            add(session, principal, writes)


def add(session: Session, principal: Principal, writes: Sequence[Write]) -> None:
    """Record writes in the caller's transaction: they and their record commit together."""
    now = utcnow()
    session.add_all(
        AuditEvent(
            at=now,
            principal=principal.name,
            role=principal.role.label,
            action=write.action[:100],
            details=summarise(write.details),
        )
        for write in writes
    )


def recent(store: Store, first: int = 50, before: int | None = None) -> list[EventRecord]:
    """The latest events, newest first (``before``: an event id, to page back)."""
    first = max(1, min(first, MAX_PAGE))
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(first)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    with store.read() as session:
        return [
            EventRecord(e.id, e.at, e.principal, e.role, e.action, e.details)
            for e in session.scalars(query)
        ]
