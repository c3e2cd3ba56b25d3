"""Users, their roles and their personal tokens (``chroma users``, ``chroma tokens``).

A token is ``chroma_`` and 43 characters of ``secrets.token_urlsafe`` (256 random bits),
shown once when made; the database keeps its SHA-256. A slow password hash (bcrypt,
argon2) protects guessable secrets; a 256-bit random one cannot be guessed, so one fast
hash suffices, and it lets a request find its token by an indexed lookup (ADR 0012).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, InvalidInput, NotFound
from chroma.db.models import ApiToken, SignInSession, User, utcnow
from chroma.db.store import Store
from chroma.services.principals import Principal, Role

TOKEN_PREFIX = "chroma_"
HINT_LENGTH = len(TOKEN_PREFIX) + 6
MAX_NAME = 200
LAST_USED_EVERY = timedelta(minutes=1)
"""How stale ``last_used_at`` may get (a write on every call would make reads writes)."""


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    id: int
    user: str
    label: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``token`` is shown once and stored nowhere."""

    token: str
    record: TokenRecord


@dataclass(frozen=True)
class Revoked:
    """A token that was revoked (using it says so)."""

    revoked_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or not _printable(name):
        raise InvalidInput(f"a user name is 1 to {MAX_NAME} printable characters", where="name")
    if name == "token" or name == "local":
        raise InvalidInput(f"{name!r} is reserved for the server's own token", where="name")
    return name


def _user(row: User) -> UserRecord:
    return UserRecord(row.id, row.name, Role.parse(row.role), row.created_at)


def _token(row: ApiToken, user: str) -> TokenRecord:
    return TokenRecord(
        row.id, user, row.label, row.hint, row.created_at, row.last_used_at, row.revoked_at
    )


def add_user(store: Store, name: str, role: Role) -> UserRecord:
    name = _check_name(name)
    try:
        with store.write() as session:
            row = User(name=name, role=role.label, created_at=utcnow())
            session.add(row)
            session.flush()
            return _user(row)
    except IntegrityError:
        raise Conflict(f"a user named {name!r} exists already", where="name") from None


def list_users(store: Store) -> list[UserRecord]:
    with store.read() as session:
        return [_user(row) for row in session.scalars(select(User).order_by(User.name))]


def _printable(text: str) -> bool:
    return all(c.isprintable() for c in text)


def _find_user(session: Session, name: str) -> User:
    if len(name) > MAX_NAME or not _printable(name):  # no user has such a name
        raise NotFound(f"no user named {name[:40]!r}", where="name")
    row = session.scalars(select(User).where(User.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"no user named {name!r}", where="name")
    return row


def set_role(store: Store, name: str, role: Role) -> UserRecord:
    """Change a user's role; their sessions act with the new one at once."""
    with store.write() as session:
        row = _find_user(session, name)
        row.role = role.label
        return _user(row)


def remove_user(store: Store, name: str) -> UserRecord:
    """Remove a user with their tokens and sessions (what they made stays)."""
    with store.write() as session:
        row = _find_user(session, name)
        record = _user(row)
        session.execute(delete(SignInSession).where(SignInSession.user_id == row.id))
        session.execute(delete(ApiToken).where(ApiToken.user_id == row.id))
        session.delete(row)
    return record


def create_token(store: Store, user: str, label: str = "") -> NewToken:
    label = label.strip()
    if len(label) > MAX_NAME or not _printable(label):
        raise InvalidInput(
            f"a token's label is at most {MAX_NAME} printable characters", where="label"
        )
    label = label or "token"
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.write() as session:
        owner = _find_user(session, user)
        row = ApiToken(
            user_id=owner.id,
            label=label,
            token_hash=hash_token(token),
            hint=token[:HINT_LENGTH],
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return NewToken(token, _token(row, owner.name))


def list_tokens(store: Store, user: str | None = None) -> list[TokenRecord]:
    with store.read() as session:
        query = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
        if user is not None:
            query = query.where(User.id == _find_user(session, user).id)
        rows = session.execute(query.order_by(ApiToken.id)).all()
        return [_token(row, name) for row, name in rows]


def revoke_token(store: Store, token_id: int) -> TokenRecord:
    """Revoke a token: calls with it are refused, saying so, and sessions it opened end."""
    with store.write() as session:
        found = session.execute(
            select(ApiToken, User.name)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id)
        ).one_or_none()
        if found is None:
            raise NotFound(f"no token with id {token_id}", where="id")
        row, name = found
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        session.execute(delete(SignInSession).where(SignInSession.token_id == row.id))
        return _token(row, name)


@dataclass(frozen=True)
class TokenOwner:
    principal: Principal
    token_id: int | None
    """None for the server's own token."""


def find_token(store: Store, token: str) -> TokenOwner | Revoked | None:
    """Who a personal token acts for; :class:`Revoked` when it was; None when unknown."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    token_hash = hash_token(token)
    now = utcnow()
    with store.read() as session:
        found = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash)
        ).one_or_none()
        if found is None:
            return None
        row, user = found
        if row.revoked_at is not None:
            return Revoked(row.revoked_at)
        owner = TokenOwner(Principal(user.name, Role.parse(user.role), user.id), row.id)
        stale = row.last_used_at is None or row.last_used_at <= now - LAST_USED_EVERY
    if stale:
        with store.write() as session:
            session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return owner
