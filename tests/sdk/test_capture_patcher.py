"""The patcher behind ``chroma.autolog``: wraps exactly, reverts exactly."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from chroma.sdk._capture.patcher import MARK, Patcher


class Base:
    def run(self, x: int, *, scale: int = 1) -> int:
        """Base.run's doc."""
        return x * scale

    @staticmethod
    def helper(x: int) -> int:
        return x

    @classmethod
    def make(cls) -> Base:
        return cls()


class Child(Base):
    pass


class Hidden:
    """An attribute that exists only sometimes, like sklearn's ``available_if``."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is not None and not instance.visible:
            raise AttributeError("not available")
        return self.fn if instance is None else self.fn.__get__(instance, owner)


class Maybe:
    def __init__(self, visible: bool) -> None:
        self.visible = visible

    @Hidden
    def go(self, x: int) -> int:
        return x + 1


def recording(calls: list[tuple[Any, ...]]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
        def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            calls.append((args, kwargs, result))
            return result

        return patched

    return wrapper


def test_inherited_method_is_patched_on_the_subclass_and_removed_on_revert() -> None:
    calls: list[tuple[Any, ...]] = []
    before = dict(Child.__dict__)
    patcher = Patcher()
    assert patcher.patch(Child, "run", recording(calls))
    assert "run" in Child.__dict__
    assert Child().run(3, scale=2) == 6
    assert Base().run(3) == 3  # the base is untouched
    assert calls == [((3,), {"scale": 2}, 6)]
    assert Child.run.__doc__ == "Base.run's doc."
    assert inspect.signature(Child.run) == inspect.signature(Base.run)
    assert patcher.revert() == []
    assert dict(Child.__dict__) == before
    assert Child.run is Base.run


def test_own_method_is_restored_to_the_same_object() -> None:
    original = Base.__dict__["run"]
    patcher = Patcher()
    patcher.patch(Base, "run", recording([]))
    assert Base.__dict__["run"] is not original
    patcher.revert()
    assert Base.__dict__["run"] is original


def test_patching_twice_is_a_no_op_and_static_class_methods_are_left_alone() -> None:
    patcher = Patcher()
    assert patcher.patch(Base, "run", recording([]))
    assert not patcher.patch(Base, "run", recording([]))
    assert not Patcher().patch(Base, "run", recording([]))  # another patcher sees the mark
    assert not patcher.patch(Base, "helper", recording([]))
    assert not patcher.patch(Base, "make", recording([]))
    assert not patcher.patch(Base, "missing", recording([]))
    assert len(patcher) == 1
    patcher.revert()
    assert not getattr(Base.run, MARK, False)


def test_a_patch_replaced_by_someone_else_is_left_and_reported() -> None:
    patcher = Patcher()
    patcher.patch(Child, "run", recording([]))

    def theirs(self: Any, x: int, *, scale: int = 1) -> int:
        return -x

    Child.run = theirs  # type: ignore[method-assign]
    try:
        assert patcher.revert() == ["Child.run"]
        assert Child.__dict__["run"] is theirs
    finally:
        del Child.run


def test_descriptor_methods_keep_their_availability() -> None:
    calls: list[tuple[Any, ...]] = []
    original = Maybe.__dict__["go"]
    patcher = Patcher()
    assert patcher.patch(Maybe, "go", recording(calls))
    assert not hasattr(Maybe(False), "go")  # still hidden where the original hides it
    assert Maybe(True).go(1) == 2
    assert calls == [((1,), {}, 2)]
    assert list(inspect.signature(Maybe(True).go).parameters) == ["x"]
    patcher.revert()
    assert Maybe.__dict__["go"] is original
