"""The committed ``schema.graphql`` is the live schema (the UI's codegen reads the file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chroma.server.graphql.export import REGENERATE, schema_text

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_the_live_schema() -> None:
    assert COMMITTED.exists(), f"schema.graphql is missing: run {REGENERATE}"
    assert COMMITTED.read_text() == schema_text(), (
        f"schema.graphql differs from the live schema: run {REGENERATE} and commit it"
    )


@pytest.mark.slow
def test_make_schema_script_checks_the_committed_file() -> None:
    script = COMMITTED.parent / "scripts" / "export_schema.py"
    assert subprocess.run([sys.executable, str(script), "--check"]).returncode == 0


@pytest.mark.slow
def test_export_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { old: Int }\n")
    command = [sys.executable, "-m", "chroma.server.graphql.export"]

    check = subprocess.run([*command, "--check", str(stale)], capture_output=True, text=True)
    assert check.returncode == 1
    assert REGENERATE in check.stderr

    subprocess.run([*command, str(stale)], check=True)
    assert stale.read_text() == schema_text()
    assert subprocess.run([*command, "--check", str(stale)]).returncode == 0
