"""hatch_build.py, the build hook that puts the web UI into every sdist and wheel: it builds
the UI when it can, refuses a package without it, and leaves editable installs alone."""

from __future__ import annotations

import importlib.util
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chroma_hatch_build", REPO / "hatch_build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


hook = load_hook()


def run_hook(root: Path, target: str, version: str) -> None:
    instance = hook.UIBuildHook(str(root), {}, None, None, str(root / "dist"), target)
    instance.initialize(version, {})


def index(root: Path) -> Path:
    return root / "src" / "chroma" / "server" / "static" / "index.html"


@pytest.fixture
def no_npm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hook.shutil, "which", lambda name: None)


def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An npm whose `run build` writes the UI's index.html; it logs its calls."""
    npm = tmp_path / "bin" / "npm"
    npm.parent.mkdir()
    npm.write_text(
        "#!/bin/sh\n"
        'echo "$*" >> "$(dirname "$0")/calls"\n'
        'if [ "$1" = run ] && [ "$2" = build ]; then\n'
        "  mkdir -p ../src/chroma/server/static\n"
        "  echo '<div id=\"root\"></div>' > ../src/chroma/server/static/index.html\n"
        "fi\n"
    )
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(hook.shutil, "which", lambda name: str(npm) if name == "npm" else None)
    return npm


@pytest.mark.parametrize("target", ["wheel", "sdist"])
@pytest.mark.usefixtures("no_npm")
def test_no_ui_and_no_npm_is_refused_with_what_to_do(tmp_path: Path, target: str) -> None:
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "package.json").write_text("{}")
    with pytest.raises(hook.UIBuildError, match="refusing to build a package without") as err:
        run_hook(tmp_path, target, "standard")
    assert "npm is not installed" in str(err.value)
    assert "Node.js" in str(err.value)


@pytest.mark.usefixtures("no_npm")
def test_no_ui_and_no_sources_is_refused(tmp_path: Path) -> None:
    with pytest.raises(hook.UIBuildError, match="neither the built UI nor its sources"):
        run_hook(tmp_path, "wheel", "standard")


@pytest.mark.usefixtures("no_npm")
def test_an_editable_install_needs_no_ui(tmp_path: Path) -> None:
    run_hook(tmp_path, "wheel", "editable")
    assert not index(tmp_path).exists()


@pytest.mark.usefixtures("no_npm")
def test_an_existing_build_is_used_without_npm(tmp_path: Path) -> None:
    # A Docker build context, or an sdist: the build is there, npm is not.
    index(tmp_path).parent.mkdir(parents=True)
    index(tmp_path).write_text("<div id='root'></div>")
    run_hook(tmp_path, "wheel", "standard")


def test_an_sdist_without_its_build_builds_the_ui_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "sdist"
    (root / "ui").mkdir(parents=True)
    (root / "ui" / "package.json").write_text("{}")
    npm = fake_npm(tmp_path, monkeypatch)
    run_hook(root, "wheel", "standard")
    assert index(root).is_file()
    calls = (npm.parent / "calls").read_text().splitlines()
    assert calls[0].startswith("ci ")
    assert calls[1] == "run build"


def test_a_checkout_builds_through_scripts_ui_sh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "checkout"
    (root / "ui").mkdir(parents=True)
    (root / "ui" / "package.json").write_text("{}")
    (root / "scripts").mkdir()
    (root / "scripts" / "ui.sh").write_text(
        "mkdir -p src/chroma/server/static && echo built > src/chroma/server/static/index.html\n"
    )
    npm = fake_npm(tmp_path, monkeypatch)
    run_hook(root, "sdist", "standard")
    assert index(root).read_text() == "built\n"
    assert not (npm.parent / "calls").exists()


def test_a_failed_ui_build_stops_the_package_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "checkout"
    (root / "ui").mkdir(parents=True)
    (root / "ui" / "package.json").write_text("{}")
    (root / "scripts").mkdir()
    (root / "scripts" / "ui.sh").write_text("exit 3\n")
    fake_npm(tmp_path, monkeypatch)
    with pytest.raises(hook.UIBuildError, match="building the web UI failed"):
        run_hook(root, "wheel", "standard")


def test_the_docker_build_has_the_hook_and_a_version() -> None:
    # The image's wheel stage builds from a context without .git: pyproject.toml names the
    # hook, so the Dockerfile must copy it (and .dockerignore let it through), and the
    # version comes from CHROMA_VERSION (hatch-vcs's pretend version) or the fallback.
    dockerfile = (REPO / "Dockerfile").read_text()
    wheel_stage = dockerfile.split(" AS wheel\n", 1)[1].split("\nFROM ", 1)[0]
    assert "hatch_build.py" in wheel_stage
    assert 'SETUPTOOLS_SCM_PRETEND_VERSION="${CHROMA_VERSION}"' in wheel_stage
    assert "!hatch_build.py" in (REPO / ".dockerignore").read_text().splitlines()
    assert 'path = "hatch_build.py"' in (REPO / "pyproject.toml").read_text()
