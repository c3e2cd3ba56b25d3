"""The Python reference's guard: every public name of the SDK has a docstring and a place.

mkdocstrings quietly leaves out what has no docstring, so the reference would shrink
without a word. Before each build this lists, with griffe (which mkdocstrings reads the
code with), every function and class that ``chroma.__all__`` exports, and every public
method and property of those classes (inherited ones too, as the reference shows them),
that has no docstring; each is a warning, so ``mkdocs build --strict`` fails.

The reference page (reference/python.md) groups the names by hand, one ``::: chroma.NAME``
line each; its ``<!-- the other public names -->`` line becomes one for every exported
function or class that no group names yet, so a new public name is never left out.

``python docs/hooks/docstrings.py`` runs the check alone (exit 1 when a name lacks one).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import griffe

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "chroma"
REFERENCE_PAGE = "reference/python.md"
OTHERS = "<!-- the other public names -->"
DIRECTIVE = re.compile(r"^::: (\S+)", re.MULTILINE)


def public_objects(package: str, search_paths: Iterable[Path]) -> dict[str, griffe.Object]:
    """Each function and class the package's ``__all__`` names, by that name."""
    module = griffe.load(
        package, search_paths=[str(p) for p in search_paths], resolve_aliases=False
    )
    found: dict[str, griffe.Object] = {}
    for name in map(str, module.exports or ()):
        if name not in module.members:
            raise KeyError(f"{package}.__all__ names {name!r}, which {package} does not define")
        obj = _target(module.members[name])
        # A package that imports `f` from its own submodule `f` (chroma.sdk._capture.autolog):
        # Python binds the function, griffe the submodule. The function is what users get.
        if obj.is_module and name in obj.members:
            obj = _target(obj.members[name])
        if obj.is_function or obj.is_class:  # not constants such as __version__
            found[name] = obj
    return found


def _target(obj: Any) -> Any:
    return obj.final_target if obj.is_alias else obj


def _public_members(cls: Any) -> Iterator[tuple[str, Any]]:
    for name, member in sorted(cls.all_members.items()):
        if name.startswith("_"):
            continue
        try:
            target = _target(member)
        except griffe.AliasResolutionError:  # defined outside the package: not ours to document
            continue
        if target.is_function or target.is_class or "property" in target.labels:
            yield name, target


def missing_docstrings(objects: dict[str, griffe.Object], package: str = PACKAGE) -> list[str]:
    """Dotted names of the public functions, classes, methods and properties in ``objects``
    (from :func:`public_objects`) that have no docstring, in a stable order."""
    missing = []
    for name, obj in sorted(objects.items()):
        if not obj.docstring:
            missing.append(f"{package}.{name}")
        if obj.is_class:
            missing += [
                f"{package}.{name}.{member}"
                for member, target in _public_members(obj)
                if not target.docstring
            ]
    return missing


def reference_markdown(
    markdown: str, objects: dict[str, griffe.Object], package: str = PACKAGE
) -> str:
    """The reference page with a directive for every public name it does not place itself.

    ``::: chroma.NAME`` lines whose name griffe takes for a submodule are pointed at the
    function itself (see :func:`public_objects`)."""
    placed = set(DIRECTIVE.findall(markdown))
    others = [
        f"::: {package}.{name}" for name in sorted(objects) if f"{package}.{name}" not in placed
    ]
    markdown = markdown.replace(OTHERS, "\n\n".join(others))

    def canonical(match: re.Match[str]) -> str:
        obj = objects.get(match.group(1).removeprefix(f"{package}."))
        shadowed = obj is not None and obj.parent is not None and obj.parent.name == obj.name
        return f"::: {obj.path}" if shadowed else match.group(0)

    return DIRECTIVE.sub(canonical, markdown)


# mkdocs hooks: the objects are read once per build, before the pages.

_objects: dict[str, griffe.Object] = {}


def on_pre_build(*, config: Any) -> None:
    from mkdocs.plugins import get_plugin_logger

    _objects.clear()
    _objects.update(public_objects(PACKAGE, [SRC]))
    log = get_plugin_logger(__name__)
    for name in missing_docstrings(_objects):
        log.warning(f"{name} is public ({PACKAGE}.__all__) but has no docstring")


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != REFERENCE_PAGE:
        return markdown
    return reference_markdown(markdown, _objects)


if __name__ == "__main__":
    names = missing_docstrings(public_objects(PACKAGE, [SRC]))
    print("\n".join(f"{name}: no docstring" for name in names) or "every public name has one")
    sys.exit(1 if names else 0)
