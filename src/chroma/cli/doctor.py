"""``chroma doctor``: what a bug report needs, in one command.

Versions, the settings in force (secrets masked), whether the database answers and its
schema revision, whether the broker answers (Celery backend), the data dir's disk use and
free space. ``--bundle PATH`` writes the same as a zip (``report.txt``, ``report.json``)
to attach to an issue: it holds no token, no password and no data of any project.

It exits with 1 when a check fails, so a script (or a container's health check) can ask.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import click

from chroma._version import __version__
from chroma.cli.options import broker_url_option, build_settings, store_options
from chroma.cli.store import shown_database_url
from chroma.core.urls import MASK, mask_url
from chroma.settings import Settings

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "strawberry-graphql",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "pyarrow",
    "numpy",
    "pandas",
    "hnswlib",
    "umap-learn",
    "celery",
    "redis",
    "prometheus-client",
)
SECRET_SETTINGS = frozenset({"auth_token"})
URL_SETTINGS = frozenset({"database_url", "broker_url", "artifact_store"})
CONNECT_TIMEOUT_S = 5


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    versions: dict[str, str]
    settings: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    disk: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "versions": self.versions,
            "settings": self.settings,
            "checks": [vars(check) for check in self.checks],
            "disk": self.disk,
            "telemetry": "none: Chroma sends nothing anywhere on its own",
        }

    def as_text(self) -> str:
        lines = ["versions:"]
        lines += [f"  {name}: {version}" for name, version in self.versions.items()]
        lines.append("settings (CHROMA_*; secrets masked):")
        lines += [f"  {name}: {value}" for name, value in self.settings.items()]
        lines.append("checks:")
        lines += [
            f"  [{'ok' if check.ok else 'FAILED'}] {check.name}: {check.detail}"
            for check in self.checks
        ]
        lines.append("disk:")
        lines += [f"  {name}: {value}" for name, value in self.disk.items()]
        return "\n".join(lines)


def masked_settings(settings: Settings) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in settings.model_dump(mode="json").items():
        if name in SECRET_SETTINGS:
            value = f"set ({MASK})" if value else "not set"
        elif name in URL_SETTINGS and isinstance(value, str):
            value = mask_url(value)
        shown[name] = value
    shown["database_url"] = shown_database_url(settings)  # the one in force
    return shown


def versions() -> dict[str, str]:
    found = {
        "chroma": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def check_database(settings: Settings) -> Check:
    from alembic.script import ScriptDirectory

    from chroma.db.migrate import MIGRATIONS, current_revision
    from chroma.db.store import open_store

    shown = shown_database_url(settings)
    default_file = settings.data_dir / "chroma.db"
    if settings.is_sqlite and not settings.database_url and not default_file.is_file():
        return Check("database", True, f"{shown}: not created yet (the server makes it)")
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    try:
        store = open_store(settings, migrate=False)
        try:
            revision = current_revision(store)
        finally:
            store.dispose()
    except Exception as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        return Check("database", False, f"{shown}: cannot connect ({reason[:300]})")
    if revision == head:
        return Check("database", True, f"{shown}: reachable, schema at {revision} (head)")
    state = "empty (no schema yet)" if revision is None else f"schema at {revision}"
    return Check(
        "database",
        revision is None,
        f"{shown}: reachable, {state}; head is {head}: `chroma db upgrade` "
        "(or start the server) migrates it",
    )


def check_broker(settings: Settings) -> Check | None:
    if settings.job_backend != "celery":
        return None
    if not settings.broker_url:
        return Check("broker", False, "job_backend is celery but no CHROMA_BROKER_URL is set")
    shown = mask_url(settings.broker_url)
    try:
        from kombu.connection import Connection
    except ImportError:
        return Check("broker", False, f"{shown}: Celery is not installed (chroma[celery])")
    try:
        broker = Connection(settings.broker_url, connect_timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        with broker as conn:
            conn.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT_S)
    except Exception as exc:
        return Check("broker", False, f"{shown}: cannot connect ({str(exc)[:300]})")
    return Check("broker", True, f"{shown}: reachable")


def check_artifacts(settings: Settings) -> Check:
    """Whether the artifact store can be opened and (an object store) listed."""
    from chroma.db.artifacts import open_artifacts
    from chroma.db.indexes import KIND

    shown = mask_url(settings.artifact_store or str(settings.data_dir))
    try:
        artifacts = open_artifacts(settings)
        held = list(artifacts.stored(KIND)) if artifacts.remote else None
    except Exception as exc:
        reason = " ".join(str(exc).split())
        return Check("artifact store", False, f"{shown}: cannot use it ({reason[:300]})")
    if held is None:
        return Check("artifact store", True, f"{artifacts.describe()}: a folder (disk use below)")
    return Check(
        "artifact store", True, f"{artifacts.describe()}: reachable, {len(held)} index files"
    )


def disk_use(folder: Path, label: str = "data_dir") -> dict[str, Any]:
    if not folder.is_dir():
        return {label: f"{folder} (does not exist yet)"}
    sizes: dict[str, int] = {}
    for entry in folder.iterdir():
        sizes[entry.name] = _size(entry)
    free = shutil.disk_usage(folder)
    return {
        label: str(folder),
        f"{label} total": _human(sum(sizes.values())),
        **{f"  {name}": _human(size) for name, size in sorted(sizes.items())},
        f"{label} free on its disk": f"{_human(free.free)} of {_human(free.total)}",
    }


def _size(path: Path) -> int:
    if path.is_symlink() or not path.is_dir():
        try:
            return path.lstat().st_size
        except OSError:
            return 0
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # gone meanwhile
                total += (Path(root) / name).lstat().st_size
    return total


def _human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def diagnose(settings: Settings) -> Report:
    report = Report(versions=versions(), settings=masked_settings(settings))
    report.checks.append(check_database(settings))
    broker = check_broker(settings)
    if broker is not None:
        report.checks.append(broker)
    report.checks.append(check_artifacts(settings))
    report.disk = disk_use(settings.data_dir)
    folder = settings.artifact_folder
    if folder is not None and folder.resolve() != settings.data_dir.resolve():
        report.disk |= disk_use(folder, "artifact store")
    return report


@click.command()
@store_options
@broker_url_option("Celery broker to check [env: CHROMA_BROKER_URL].")
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the report as a zip to attach to an issue (secrets masked).",
)
def doctor(
    data_dir: Path | None, database_url: str | None, broker_url: str | None, bundle: Path | None
) -> None:
    """Check this installation: versions, settings (secrets masked), database and broker,
    disk use of the data dir. Exits with 1 when a check fails."""
    # libpq waits for the operating system's TCP timeout (minutes) on a silent host.
    os.environ.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_S))
    settings = build_settings(data_dir=data_dir, database_url=database_url, broker_url=broker_url)
    report = diagnose(settings)
    text = report.as_text()
    click.echo(text)
    if bundle is not None:
        with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("report.txt", text + "\n")
            archive.writestr("report.json", json.dumps(report.as_json(), indent=2) + "\n")
        click.echo(f"wrote {bundle}: attach it to the issue", err=True)
    if not report.ok:
        raise SystemExit(1)
