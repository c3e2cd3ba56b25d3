"""``chroma doctor`` (issue 13, item 5), run as a user runs it: on both databases, with a
bundle to attach to an issue, and never a secret in what it prints or writes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from chroma_cli import Chroma, head_revision

from chroma.db.store import Store

TOKEN = "doctor-token-0123456789-secret"


def test_a_healthy_installation_on_either_database(
    chroma: Chroma, store: Store, tmp_path: Path
) -> None:
    bundle = tmp_path / "report.zip"
    url = store.settings.resolved_database_url
    env = {"CHROMA_AUTH_TOKEN": TOKEN, "CHROMA_DATABASE_URL": url}
    done = chroma.run(
        "doctor", "--data-dir", str(store.settings.data_dir), "--bundle", str(bundle), env=env
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"[ok] database: {url}: reachable, schema at {head_revision()} (head)" in done.stdout
    assert "chroma: " in done.stdout
    assert "python: " in done.stdout
    assert "auth_token: set (***)" in done.stdout
    assert f"data_dir: {store.settings.data_dir}" in done.stdout
    with zipfile.ZipFile(bundle) as archive:
        assert sorted(archive.namelist()) == ["report.json", "report.txt"]
        report = json.loads(archive.read("report.json"))
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert report["checks"] == [
        {
            "name": "database",
            "ok": True,
            "detail": f"{url}: reachable, schema at {head_revision()} (head)",
        },
        {
            "name": "artifact store",
            "ok": True,
            "detail": f"{store.settings.data_dir}: a folder (disk use below)",
        },
    ]
    assert report["settings"]["auth_token"] == "set (***)"
    assert TOKEN.encode() not in everything
    assert TOKEN not in done.stdout + done.stderr


def test_unreachable_database_and_broker_fail_with_their_passwords_masked(
    chroma: Chroma, tmp_path: Path
) -> None:
    env = {
        "CHROMA_DATABASE_URL": "postgresql+psycopg://chroma:db-secret-pw@127.0.0.1:9/chroma",
        "CHROMA_JOB_BACKEND": "celery",
        "CHROMA_BROKER_URL": "redis://:broker-secret-pw@127.0.0.1:9/0",
    }
    bundle = tmp_path / "report.zip"
    done = chroma.run("doctor", "--bundle", str(bundle), env=env)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "[FAILED] database: postgresql+psycopg://chroma:***@127.0.0.1:9/chroma" in done.stdout
    assert "[FAILED] broker: redis://:***@127.0.0.1:9/0: cannot connect" in done.stdout
    written = bundle.read_bytes()
    for secret in ("db-secret-pw", "broker-secret-pw"):
        assert secret not in done.stdout + done.stderr
        with zipfile.ZipFile(bundle) as archive:
            assert all(secret.encode() not in archive.read(n) for n in archive.namelist())
    assert written


def test_a_fresh_data_dir_is_not_an_error(chroma: Chroma, tmp_path: Path) -> None:
    done = chroma.run("doctor", "--data-dir", str(tmp_path / "new"))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "not created yet" in done.stdout
    assert not (tmp_path / "new").exists()  # looking changes nothing
