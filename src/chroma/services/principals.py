"""Who a request acts for: a :class:`Principal` (a name and a :class:`Role`).

The server's auth layer (``server/auth.py``) works one out for every request, from a bearer
token or a sign-in session, and routes and GraphQL resolvers ask it what it may do. Roles
are ordered: each may do what the ones before it may.

- ``viewer``: read and export;
- ``editor``: also log, tag, relabel, start and cancel jobs;
- ``admin``: also delete, and manage users and tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from chroma.core.errors import Forbidden


class Role(IntEnum):
    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def with_article(self) -> str:
        return f"{'an' if self.label[0] in 'aeiou' else 'a'} {self.label}"

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(role.label for role in cls)
            raise ValueError(f"unknown role {value!r}: use one of {names}") from None


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, and what they may do."""

    name: str
    role: Role
    user_id: int | None = None
    """The user's row; None for the server's own token and for a server without auth."""

    def may(self, needed: Role) -> bool:
        return self.role >= needed

    def refusal(self, needed: Role, what: str = "this") -> Forbidden:
        """The 403 for ``what`` (a route, a field) that needs a role above this one."""
        return Forbidden(
            f"{self.name} is {self.role.with_article}; {what} needs the {needed.label} role",
            where="role",
        )


SERVER_TOKEN = Principal("token", Role.ADMIN)
"""Whoever holds ``CHROMA_AUTH_TOKEN``: an admin (scripts, the SDK, the first sign-in)."""

NOBODY_ASKED = Principal("local", Role.ADMIN)
"""Every request of a server without auth (loopback only): it may do everything."""
