"""The documented examples run as written, and runs left open are flushed at exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

import chroma


def test_the_init_docstring_example_runs(
    local_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = chroma.init.__doc__ or ""
    example = textwrap.dedent(doc.split("then::", 1)[1]).strip()
    monkeypatch.setenv("CHROMA_URL", local_server.url)
    for _ in range(2):  # a rerun updates the same keys
        exec(compile(example, "chroma.init example", "exec"), {})
        assert capsys.readouterr().out.strip() == "(100, 8)"


def test_a_run_left_open_is_flushed_at_interpreter_exit(local_server: Any) -> None:
    script = f"""
import chroma
run = chroma.init(project="atexit", dataset="d", space="s", url={local_server.url!r})
run.log([[1.0, 2.0]] * 3)
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert len(chroma.read_vectors("atexit", "s", url=local_server.url)) == 3


def _readme_examples() -> list[str]:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    return [part.split("```", 1)[0] for part in readme.split("```python\n")[1:]]


def _run_example(code: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"CHROMA_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_readme_example_runs_as_written(local_server: Any) -> None:
    example = _readme_examples()[0]
    assert "chroma.init(" in example
    result = _run_example(example, local_server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("(1000, 64)")


def test_the_readme_maps_example_runs_as_written(local_server: Any) -> None:
    """The second README example (maps and neighbours) on the data of the first."""
    first, second = _readme_examples()[:2]
    assert "create_projection" in second
    check = "\nassert len(points) == 1000 and len(close) == 5, (len(points), len(close))\n"
    for code in (first, second + check):
        result = _run_example(code, local_server.url)
        assert result.returncode == 0, result.stderr
