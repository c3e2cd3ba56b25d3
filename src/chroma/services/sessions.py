"""Sign-in sessions, stored in the database so every API process shares them (ADR 0012).

The browser's cookie holds a random session id (256 bits); the table holds only its
SHA-256, so reading the database (a backup, a replica) gives nobody a way in. A session
ends when it expires (``Settings.session_max_age``) or is signed out; either way its row
goes, so a sign-out on one process ends the session on all of them at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from chroma.db.models import SignInSession, User, utcnow
from chroma.db.store import Store
from chroma.services.principals import Principal, Role

LAST_SEEN_EVERY = timedelta(minutes=1)
"""How stale ``last_seen_at`` may get: writing it on every request would make each read a
write (on SQLite, one writer at a time)."""


@dataclass(frozen=True)
class OpenSession:
    """A session just started: ``session_id`` goes in the cookie and nowhere else."""

    session_id: str
    principal: Principal
    expires_at: datetime


@dataclass(frozen=True)
class LiveSession:
    principal: Principal
    expires_at: datetime


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(
    store: Store, principal: Principal, max_age: timedelta, token_id: int | None = None
) -> OpenSession:
    """Open a session for ``principal`` (signed in with personal token ``token_id``, if
    one) and sweep the expired ones."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    with store.write() as session:
        session.execute(delete(SignInSession).where(SignInSession.expires_at <= now))
        row = SignInSession(
            id_hash=_hash(session_id),
            principal=principal.name,
            role=principal.role.label,
            user_id=principal.user_id,
            token_id=token_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + max_age,
        )
        session.add(row)
    return OpenSession(session_id, principal, row.expires_at)


def find(store: Store, session_id: str) -> LiveSession | None:
    """The live session with this id, or None (unknown, signed out or expired)."""
    if not session_id or len(session_id) > 200:
        return None
    id_hash = _hash(session_id)
    now = utcnow()
    with store.read() as session:
        found = session.execute(
            select(SignInSession, User.role)
            .outerjoin(User, User.id == SignInSession.user_id)
            .where(SignInSession.id_hash == id_hash)
        ).one_or_none()
        if found is None or found[0].expires_at <= now:
            return None
        row, user_role = found
        # A user's session acts with the user's role of the moment (``chroma users role``).
        role = Role.parse(user_role or row.role)
        live = LiveSession(Principal(row.principal, role, row.user_id), row.expires_at)
        stale = row.last_seen_at <= now - LAST_SEEN_EVERY
    if stale:
        with store.write() as session:
            session.execute(
                update(SignInSession)
                .where(SignInSession.id_hash == id_hash)
                .values(last_seen_at=now)
            )
    return live


def end(store: Store, session_id: str) -> bool:
    """Sign a session out; False when there was none (already ended)."""
    with store.write() as session:
        result = session.execute(
            delete(SignInSession).where(SignInSession.id_hash == _hash(session_id))
        )
    return bool(getattr(result, "rowcount", 0))
