"""``@strawberry.field(description=...)`` with its type kept.

Strawberry types the keyword-only decorator form as ``Any``, which strict mypy rejects as
an untyped decorator; these wrappers say what it does: hand back a resolver unchanged as
far as type checking goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

Resolver = TypeVar("Resolver", bound=Callable[..., Any])


def field(description: str) -> Callable[[Resolver], Resolver]:
    return cast(Callable[[Resolver], Resolver], strawberry.field(description=description))


def mutation(description: str) -> Callable[[Resolver], Resolver]:
    return cast(Callable[[Resolver], Resolver], strawberry.mutation(description=description))
