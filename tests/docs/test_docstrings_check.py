"""The docs build's guard against public SDK names without a docstring.

(docs/hooks/docstrings.py; scripts/test.sh runs it in `mkdocs build --strict`.)
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from docs_hooks import load_hook

docstrings = load_hook("docstrings")


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """``pkg``: like chroma, private modules re-exported by an ``__all__``, with gaps."""
    return write_package(
        tmp_path,
        {
            "pkg/__init__.py": """
                from pkg._base import Base
                from pkg._impl import Thing, documented, undocumented
                from pkg._capture import hook

                VERSION = "1.0"  # a constant: not checked
                __all__ = ["VERSION", "Base", "Thing", "documented", "hook", "undocumented"]
            """,
            "pkg/_base.py": '''
                class Base:
                    """A base class."""

                    def inherited(self):
                        pass
            ''',
            "pkg/_impl.py": '''
                from pkg._base import Base

                def documented():
                    """Has one."""

                def undocumented():
                    return 1

                class Thing(Base):
                    """A documented class with undocumented members."""

                    def method(self):
                        pass

                    @property
                    def size(self):
                        return 0

                    def explained(self):
                        """Has one."""

                    def _private(self):
                        pass
            ''',
            # a function imported from its own submodule's name, as chroma.watch is
            "pkg/_capture/__init__.py": "from pkg._capture.hook import hook\n",
            "pkg/_capture/hook.py": '''
                """The module has a docstring, the function none."""

                def hook():
                    pass
            ''',
        },
    )


def test_it_names_each_public_function_method_and_property_without_a_docstring(
    package: Path,
) -> None:
    objects = docstrings.public_objects("pkg", [package])

    assert docstrings.missing_docstrings(objects, "pkg") == [
        "pkg.Base.inherited",
        "pkg.Thing.inherited",
        "pkg.Thing.method",
        "pkg.Thing.size",
        "pkg.hook",
        "pkg.undocumented",
    ]


def test_a_fully_documented_package_passes(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "ok/__init__.py": '''
                def f():
                    """Documented."""

                __all__ = ["f"]
            '''
        },
    )

    assert docstrings.missing_docstrings(docstrings.public_objects("ok", [tmp_path]), "ok") == []


def test_a_name_in_all_that_the_package_lacks_is_an_error(tmp_path: Path) -> None:
    write_package(tmp_path, {"gap/__init__.py": '__all__ = ["nowhere"]\n'})

    with pytest.raises(KeyError, match="nowhere"):
        docstrings.public_objects("gap", [tmp_path])


def test_the_reference_page_gets_every_name_it_does_not_place(package: Path) -> None:
    objects = docstrings.public_objects("pkg", [package])
    page = f"# Ref\n\n::: pkg.Thing\n\n::: pkg.hook\n\n## More\n\n{docstrings.OTHERS}\n"

    expanded = docstrings.reference_markdown(page, objects, "pkg")

    # pkg.hook is griffe's submodule: the directive is pointed at the function
    assert docstrings.DIRECTIVE.findall(expanded) == [
        "pkg.Thing",
        "pkg._capture.hook.hook",
        "pkg.Base",
        "pkg.documented",
        "pkg.undocumented",
    ]


def test_the_chroma_sdk_has_none_missing() -> None:
    """The same check the docs build runs, on the real package (so a gap shows in pytest too)."""
    objects = docstrings.public_objects("chroma", [docstrings.SRC])

    assert {"init", "Run", "watch", "autolog"} <= set(objects)
    assert docstrings.missing_docstrings(objects) == []
