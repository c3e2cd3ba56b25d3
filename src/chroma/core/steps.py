"""Training steps: the same model's embeddings at several steps (epochs) form a *family*.

Each step is a space of its own, named ``<family>@step=<step>`` (``digits-mlp@step=3``):
spaces keep one dimension and one set of vectors each, and the name says which family and
step it is, so any client (the SDK, a GraphQL query, a person reading the space list)
agrees without another column. Only the canonical spelling is a step (no sign, no leading
zero), so one (family, step) names exactly one space. Shared by the SDK (which names the
spaces it logs into) and the server (which finds a family's steps in order).
"""

from __future__ import annotations

import re
from typing import Any

from chroma.core.errors import InvalidInput

SEPARATOR = "@step="
MAX_STEP = 2**31 - 1
"""GraphQL's Int is 32-bit: a larger step could not be served."""

_STEP_NAME = re.compile(r"^(?P<family>.+)@step=(?P<step>0|[1-9][0-9]{0,9})$", re.DOTALL)


def check_step(step: Any, where: str = "step") -> int:
    """``step`` as an int in [0, MAX_STEP]; anything else (bool, float, str, a huge int) is
    refused naming ``where``. Numpy integers are fine."""
    if isinstance(step, bool) or not _is_integer(step):
        raise InvalidInput(
            f"a step is a whole number (an epoch or a training step), not "
            f"{type(step).__name__} {step!r}",
            where=where,
        )
    value = int(step)
    if not 0 <= value <= MAX_STEP:
        raise InvalidInput(f"a step is between 0 and {MAX_STEP}, not {value}", where=where)
    return value


def _is_integer(value: Any) -> bool:
    if isinstance(value, int):
        return True
    # numpy and torch integer scalars, without importing either
    dtype = getattr(value, "dtype", None)
    return (
        dtype is not None
        and getattr(value, "ndim", 0) == 0
        and str(dtype).startswith(("int", "uint", "torch.int", "torch.uint"))
    )


def step_space(family: str, step: Any) -> str:
    """The name of the space holding ``family``'s embeddings at ``step``."""
    if SEPARATOR in family:
        raise InvalidInput(f"a family name cannot contain {SEPARATOR!r}: {family!r}", where="space")
    return f"{family}{SEPARATOR}{check_step(step)}"


def parse_step_space(name: str) -> tuple[str, int] | None:
    """``(family, step)`` of a step's space name; None for any other space."""
    found = _STEP_NAME.match(name)
    if found is None or int(found["step"]) > MAX_STEP:
        return None
    return found["family"], int(found["step"])
