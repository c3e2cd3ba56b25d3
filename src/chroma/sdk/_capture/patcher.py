"""A small, exact monkey-patcher: wrap methods on classes and put everything back.

Why not gorilla (ADR 0007): we need exact reverts of *inherited* attributes (patching
``Sub.transform`` where only ``Base`` defines it must leave ``Sub.__dict__`` as it was),
idempotence when ``autolog`` is called twice, and a wrapper that is a plain function so
``inspect.signature``, ``functools.wraps`` metadata and sklearn's ``set_output`` wrapping
keep working; that is ~80 lines we can test completely.
"""

from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_MISSING = object()
MARK = "__chroma_patched__"

Wrapper = Callable[[Callable[..., Any]], Callable[..., Any]]
"""Given the original function, return its replacement."""


@dataclass
class _Applied:
    owner: type
    name: str
    before: Any
    """``owner.__dict__[name]`` before patching, or ``_MISSING`` when it was inherited."""
    installed: Any


class Patcher:
    """Applies wrappers to ``owner.name`` and reverts them, in reverse order."""

    def __init__(self) -> None:
        self._applied: list[_Applied] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._applied)

    def patch(self, owner: type, name: str, wrapper: Wrapper) -> bool:
        """Replace ``owner.name`` by ``wrapper(original)``; False when it is a static or
        class method or a property, or is patched already.

        A method behind a custom descriptor (sklearn's ``available_if``, which hides
        ``Pipeline.transform`` when the last step has none) is wrapped by a descriptor
        that asks the original first, so ``hasattr`` answers exactly as before.
        """
        with self._lock:
            before = owner.__dict__.get(name, _MISSING)
            if isinstance(before, staticmethod | classmethod | property):
                return False
            if getattr(before, MARK, False):
                return False
            replacement: Any
            if before is not _MISSING and not callable(before) and hasattr(before, "__get__"):
                replacement = _WrappedDescriptor(before, wrapper)
            else:
                original = getattr(owner, name, None)
                if original is None or not callable(original) or getattr(original, MARK, False):
                    return False
                replacement = functools.wraps(original)(wrapper(original))
            setattr(replacement, MARK, True)
            setattr(owner, name, replacement)
            self._applied.append(_Applied(owner, name, before, replacement))
            return True

    def revert(self) -> list[str]:
        """Undo every patch, newest first; returns ``owner.name`` of patches someone else
        had replaced in the meantime (those are left alone)."""
        skipped: list[str] = []
        with self._lock:
            while self._applied:
                applied = self._applied.pop()
                current = applied.owner.__dict__.get(applied.name, _MISSING)
                if current is not applied.installed:
                    skipped.append(f"{applied.owner.__qualname__}.{applied.name}")
                    continue
                if applied.before is _MISSING:
                    delattr(applied.owner, applied.name)
                else:
                    setattr(applied.owner, applied.name, applied.before)
        return skipped


class _WrappedDescriptor:
    """Wraps the method a descriptor yields, and yields nothing where it yields nothing."""

    def __init__(self, inner: Any, wrapper: Wrapper) -> None:
        self.inner = inner

        def call_inner(instance: Any, *args: Any, **kwargs: Any) -> Any:
            return inner.__get__(instance, type(instance))(*args, **kwargs)

        self.patched = wrapper(call_inner)
        function = getattr(inner, "fn", None)  # available_if keeps the function here
        if callable(function):
            functools.update_wrapper(self.patched, function)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        bound = self.inner.__get__(instance, owner)  # raises AttributeError when unavailable
        if instance is None:
            return bound
        return types.MethodType(self.patched, instance)
