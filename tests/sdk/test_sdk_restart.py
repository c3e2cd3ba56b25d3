"""A server killed (SIGKILL) and restarted in the middle of a run loses no row (issue 14,
item 8): the real ``chroma application run``, on SQLite and PostgreSQL, default patience.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import chroma
from server_process import ServerProcess
from waiting import sdk_messages, wait_until

ROWS = 60_000
CHUNK = 1_000
DIM = 8
GUARD_S = 240  # waits below fail after this long: hang guards, not timings


@pytest.mark.slow
def test_a_server_killed_mid_run_and_restarted_loses_no_row(
    dialect: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    spool_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database_url = request.getfixturevalue("postgres_url") if dialect == "postgresql" else None
    caplog.set_level(logging.WARNING, logger="chroma.sdk")
    vectors = np.random.default_rng(14).standard_normal((ROWS, DIM)).astype(np.float32)
    vectors[7, 3] = np.float32(1e-45)  # a subnormal, for the bit-exact check
    keys = [f"row-{i}" for i in range(ROWS)]
    project = f"restart-{uuid.uuid4().hex[:8]}"

    scratch = tmp_path / "server"
    (scratch / "data").mkdir(parents=True)
    with ServerProcess(
        data_dir=scratch / "data",
        log_dir=scratch,
        database_url=database_url,
        env={"HOME": str(scratch / "home"), "CHROMA_JOB_PREWARM": "false"},
    ) as server:
        server.start()
        # Small batches and a short memory queue, so the outage fills memory and the spool.
        run = chroma.init(
            project, "train", "emb", url=server.url, batch_size=2_000, max_queued_batches=2
        )
        failures: list[BaseException] = []

        def log_everything() -> None:
            try:
                for start in range(0, ROWS, CHUNK):
                    stop = start + CHUNK
                    run.log(vectors[start:stop], ids=keys[start:stop], labels=["x"] * CHUNK)
            except BaseException as exc:
                failures.append(exc)

        logger = threading.Thread(target=log_everything)
        logger.start()
        wait_until(lambda: run.inserted >= 10_000, "the first rows to be stored", timeout=GUARD_S)
        server.kill()  # with batches in flight and queued behind them
        logger.join()
        # Every log() call returned while the server was down: nothing raised, nothing lost.
        assert failures == [], f"log() failed while the server was away: {failures[0]!r}"
        away = sdk_messages(caplog, "does not answer")
        assert len(away) == 1, away
        assert re.search(r"\d+ rows wait", away[0])
        assert str(spool_dir) in away[0]
        spooled = list(spool_dir.glob("*/*.arrows"))
        assert spooled, "the batches beyond the memory queue were not spooled"

        time.sleep(3)  # the server stays away a few seconds
        server.start()  # the same port, data folder and database
        run.close()  # raises if anything could not be stored
        read = chroma.read_vectors(project, "emb", url=server.url)
        frame = chroma.read_datapoints(project, url=server.url)

    back = sdk_messages(caplog, "answers again")
    assert len(back) >= 1
    assert re.search(r"sending the \d+ rows that wait", back[0])
    assert not list(spool_dir.glob("*/*.arrows")), "acknowledged batches stay in the spool"
    assert not list(spool_dir.iterdir()), "the run's spool folder was left behind"
    assert read.keys is not None
    assert len(read) == ROWS
    assert len(set(read.keys)) == ROWS  # every row exactly once
    assert len(frame) == ROWS
    assert frame["key"].nunique() == ROWS
    row_of = {key: row for row, key in enumerate(read.keys)}
    order = np.array([row_of[key] for key in keys])
    assert read.vectors[order].tobytes() == vectors.tobytes()  # bit-exact, all of them
    assert run.inserted + run.updated >= ROWS  # a re-sent batch may count as updated
