"""``chroma db upgrade`` / ``chroma db current`` on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chroma_cli import Chroma, head_revision


def test_upgrade_on_sqlite_migrates_an_empty_data_dir_then_is_a_no_op(
    chroma: Chroma, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    head = head_revision()

    first = chroma.run("db", "upgrade", "--data-dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    assert f"database: sqlite:///{data_dir / 'chroma.db'}\n" in first.stdout
    assert "before:   none (empty database)\n" in first.stdout
    assert f"after:    {head} (head)\n" in first.stdout

    again = chroma.run("db", "upgrade", "--data-dir", str(data_dir))
    assert again.returncode == 0, again.stderr
    assert f"before:   {head} (head)\n" in again.stdout
    assert f"after:    {head} (head)\n" in again.stdout


def test_current_on_sqlite_before_and_after_upgrade(chroma: Chroma, tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    before = chroma.run("db", "current", "--data-dir", data_dir)
    assert before.returncode == 0, before.stderr
    assert "current:  none (empty database)\n" in before.stdout

    assert chroma.run("db", "upgrade", "--data-dir", data_dir).returncode == 0
    after = chroma.run("db", "current", "--data-dir", data_dir)
    assert f"current:  {head_revision()} (head)\n" in after.stdout


def test_upgrade_and_current_on_postgresql(chroma: Chroma, postgres_url: str) -> None:
    # The scratch database is shared with other tests, so it may already be at head.
    upgraded = chroma.run("db", "upgrade", "--database-url", postgres_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database: postgresql+psycopg://" in upgraded.stdout
    assert f"after:    {head_revision()} (head)\n" in upgraded.stdout

    current = chroma.run("db", "current", "--database-url", postgres_url)
    assert current.returncode == 0, current.stderr
    assert f"current:  {head_revision()} (head)\n" in current.stdout


def test_data_dir_comes_from_the_environment_and_the_flag_wins(
    chroma: Chroma, tmp_path: Path
) -> None:
    from_env, from_flag = tmp_path / "from-env", tmp_path / "from-flag"
    env = {"CHROMA_DATA_DIR": str(from_env)}

    assert chroma.run("db", "upgrade", env=env).returncode == 0
    assert (from_env / "chroma.db").is_file()

    assert chroma.run("db", "upgrade", "--data-dir", str(from_flag), env=env).returncode == 0
    assert (from_flag / "chroma.db").is_file()


def test_vacuum_shrinks_a_file_made_without_auto_vacuum_and_switches_it_on(
    chroma: Chroma, tmp_path: Path
) -> None:
    """Files made before Chroma turned on incremental vacuum never shrink by themselves
    (issue 14, item 10): `chroma db vacuum` rewrites them once."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    path = data_dir / "chroma.db"
    with sqlite3.connect(path) as old:  # as an older version left it: no auto_vacuum
        old.execute("CREATE TABLE ballast (x BLOB)")
        old.executemany("INSERT INTO ballast VALUES (?)", [(b"\0" * 100_000,)] * 200)
    with sqlite3.connect(path) as old:
        old.execute("DELETE FROM ballast")
    full = path.stat().st_size
    assert full > 15 << 20

    done = chroma.run("db", "vacuum", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    assert f"size:     {full:,} -> " in done.stdout
    assert path.stat().st_size < full // 10
    with sqlite3.connect(path) as vacuumed:
        assert vacuumed.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
        assert vacuumed.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_vacuum_refuses_while_another_connection_writes(chroma: Chroma, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with sqlite3.connect(data_dir / "chroma.db") as db:
        db.execute("CREATE TABLE t (x)")
    busy = sqlite3.connect(data_dir / "chroma.db", isolation_level=None)
    try:
        busy.execute("BEGIN IMMEDIATE")
        busy.execute("INSERT INTO t VALUES (1)")
        done = chroma.run(
            "db", "vacuum", "--data-dir", str(data_dir), env={"CHROMA_SQLITE_BUSY_TIMEOUT": "1"}
        )
    finally:
        busy.close()
    assert done.returncode == 1
    assert "cannot vacuum" in done.stderr
    assert "stop the server" in done.stderr


def test_vacuum_leaves_postgresql_to_its_autovacuum(chroma: Chroma, postgres_url: str) -> None:
    done = chroma.run("db", "vacuum", "--database-url", postgres_url)
    assert done.returncode == 0, done.stderr
    assert "PostgreSQL reclaims space with autovacuum: nothing to do" in done.stdout
