"""docs/cli.md is generated from ``--help``; these fail when it falls behind the commands."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import click

from chroma.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sections(text: str) -> dict[str, str]:
    """docs/cli.md split by its ``## <command path>`` headings."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_docs_cli_md_matches_the_help_text() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text()
    assert committed == _generator().render(), "docs/cli.md is out of date: run `make cli-docs`"


def test_every_command_and_option_is_documented_and_has_help() -> None:
    sections = _sections((ROOT / "docs" / "cli.md").read_text())
    for ctx in _generator().walk(cli):
        command: click.Command = ctx.command
        path = ctx.command_path
        assert path in sections, f"`{path}` has no section in docs/cli.md"
        assert command.help or command.short_help, f"`{path}` has no help text"
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            assert param.help, f"`{path} {param.opts[0]}` has no help text"
            for flag in param.opts:
                assert flag in sections[path], f"`{path} {flag}` is not in docs/cli.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    from chroma.settings import Settings

    readme = (ROOT / "README.md").read_text()
    missing = [
        f"CHROMA_{name.upper()}"
        for name in Settings.model_fields
        if f"CHROMA_{name.upper()}" not in readme
    ]
    assert not missing, f"settings missing from the README's Configuration: {missing}"
