"""A server that does not answer for a while (issue 14, item 8): batches wait in memory,
then in the spool on disk, go out as the same bytes once it is back, and a run that gives
up says what was not stored and where it is kept, for ``chroma.resend_spool``.

The outage is made at the outside edge (an httpx transport that refuses ingest requests);
tests/sdk/test_sdk_restart.py kills and restarts a real server process.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest

import chroma
from waiting import sdk_messages, wait_until

MakeRun = Callable[..., chroma.Run]
GUARD_S = 120  # waits below fail after this long: hang guards, not timings


class OutageTransport(httpx.BaseTransport):
    """While ``down``, ingest requests are refused before they leave (a stopped server);
    ``delivered`` keeps the body of every ingest request that reached the server."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.down = False
        self.refused = 0
        self.delivered: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/ingest":
            if self.down:
                self.refused += 1
                raise httpx.ConnectError("injected: connection refused", request=request)
            self.delivered.append(request.read())
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class _Clock:
    """Stands in for ``time`` in the SDK's HTTP client: ``sleep`` moves ``monotonic`` on
    instead of waiting, so ``waited`` is how long the SDK chose to wait."""

    def __init__(self) -> None:
        self.waited = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.waited

    def sleep(self, seconds: float) -> None:
        self.waited += seconds
        assert self.waited < 3600, "the SDK keeps waiting for a server that is not there"


def _vectors(rows: int) -> np.ndarray:
    return np.random.default_rng(rows).standard_normal((rows, 4)).astype(np.float32)


def _keys(rows: int, prefix: str = "k") -> list[str]:
    return [f"{prefix}{i}" for i in range(rows)]


def _assert_stored_once(
    project: str, url: str, keys: list[str], vectors: np.ndarray, space: str = "emb"
) -> None:
    read = chroma.read_vectors(project, space, url=url)
    assert read.keys is not None
    assert sorted(read.keys) == sorted(keys)  # each exactly once
    row_of = {key: row for row, key in enumerate(read.keys)}
    assert read.vectors[[row_of[key] for key in keys]].tobytes() == vectors.tobytes()


def test_batches_beyond_memory_wait_in_the_spool_and_go_out_as_the_same_bytes(
    make_run: MakeRun, spool_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="chroma.sdk")
    transport = OutageTransport()
    transport.down = True
    run = make_run(transport=transport, batch_size=10, max_queued_batches=1, max_in_flight=1)
    vectors, keys = _vectors(50), _keys(50)
    # Batch 1 is in flight, batch 2 waits in memory, 3-5 wait on disk: log() returns.
    run.log(vectors, ids=keys)
    files = sorted(spool_dir.glob("*/*.arrows"))
    assert [file.name for file in files] == [
        "rows-000000000020-000000000029.arrows",
        "rows-000000000030-000000000039.arrows",
        "rows-000000000040-000000000049.arrows",
    ]
    saved = [file.read_bytes() for file in files]
    table = pa.ipc.open_stream(saved[0]).read_all()
    assert table.column("key").to_pylist() == keys[20:30]
    assert chroma.resend_spool(spool_dir) == 0  # a live run's folder is left alone
    assert all(file.exists() for file in files)
    away = sdk_messages(caplog, "does not answer")
    assert len(away) == 1, away
    assert re.search(r"\(ConnectError: injected: connection refused\); \d+ rows wait", away[0])

    transport.down = False
    run.flush()
    assert len(transport.delivered) == 5
    for body in saved:
        assert body in transport.delivered  # the very bytes that were spooled
    assert not list(spool_dir.glob("*/*.arrows"))  # removed once acknowledged
    back = sdk_messages(caplog, "answers again")
    assert len(back) == 1, back
    assert "sending the 40 rows that wait" in back[0]
    _assert_stored_once(run.project, run.url, keys, vectors)
    run.close()
    assert not list(spool_dir.iterdir())  # the run's folder goes with it


def test_a_server_away_longer_than_the_patience_names_what_was_not_stored(
    make_run: MakeRun, spool_dir: Path
) -> None:
    transport = OutageTransport()
    run = make_run(
        transport=transport, batch_size=10, max_queued_batches=1, max_in_flight=1, patience=0.5
    )
    vectors, keys = _vectors(50), _keys(50)
    run.log(vectors[:10], ids=keys[:10])
    run.flush()  # rows 0..9 are stored
    transport.down = True
    run.log(vectors[10:], ids=keys[10:])
    with pytest.raises(chroma.ChromaConnectionError, match="No Chroma server answered") as info:
        run.flush()

    error = info.value
    assert [(batch.first_row, batch.rows) for batch in error.unsent] == [
        (10, 10),
        (20, 10),
        (30, 10),
        (40, 10),
    ]
    assert frozenset().union(*(batch.keys for batch in error.unsent)) == set(keys[10:])
    assert error.spool is not None
    assert error.spool.parent == spool_dir
    assert [batch.file for batch in error.unsent] == sorted(error.spool.glob("*.arrows"))
    notes = " ".join(error.__notes__)
    assert f"not stored, saved in {error.spool}: rows 10..49 of this run" in notes
    assert f"chroma.resend_spool({str(error.spool)!r})" in notes

    # The error was raised once; the run goes on, and never touches the folder it handed over.
    transport.down = False
    later_vectors, later_keys = _vectors(5), _keys(5, "later")
    run.log(later_vectors, ids=later_keys)
    run.close()
    assert all(batch.file is not None and batch.file.exists() for batch in error.unsent)

    assert chroma.resend_spool(error.spool) == 40  # to the run's server, by default
    assert not error.spool.exists()
    _assert_stored_once(
        run.project,
        run.url,
        keys + later_keys,
        np.concatenate([vectors, later_vectors]),
    )


def test_without_a_spool_log_waits_for_the_server_instead_of_dropping(
    make_run: MakeRun, spool_dir: Path
) -> None:
    transport = OutageTransport()
    transport.down = True
    run = make_run(
        transport=transport, batch_size=10, max_queued_batches=1, max_in_flight=1, spool=False
    )
    vectors, keys = _vectors(50), _keys(50)
    logged = threading.Event()

    def log() -> None:
        run.log(vectors, ids=keys)
        logged.set()

    thread = threading.Thread(target=log)
    thread.start()
    wait_until(lambda: transport.refused >= 3, "the first batch to be refused", timeout=GUARD_S)
    # One batch in flight, one in memory, the third cannot be queued: log() waits.
    assert not logged.is_set()
    transport.down = False
    thread.join()
    run.flush()
    assert not spool_dir.exists()
    _assert_stored_once(run.project, run.url, keys, vectors)


def test_without_a_spool_giving_up_lists_the_keys_not_stored(make_run: MakeRun) -> None:
    transport = OutageTransport()
    transport.down = True
    run = make_run(transport=transport, batch_size=10, patience=0.2, spool=False)
    keys = _keys(25)
    run.log(_vectors(25), ids=keys)
    with pytest.raises(chroma.ChromaConnectionError) as info:
        run.flush()
    error = info.value
    assert error.spool is None
    assert [batch.file for batch in error.unsent] == [None, None, None]
    assert sorted(key for batch in error.unsent for key in batch.keys) == sorted(keys)
    notes = " ".join(error.__notes__)
    assert "not stored and not saved: rows 0..24 of this run; log them again" in notes


def test_by_default_a_batch_is_retried_for_minutes_not_seconds(
    make_local_run: MakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue saw a default run give up 5-9 s after the first failed send; a server
    restart takes up to about a minute on PostgreSQL."""
    transport = OutageTransport()
    run = make_local_run(transport=transport, backoff=0.5)  # backoff: the default
    clock = _Clock()
    monkeypatch.setattr("chroma.sdk._client.time", clock)
    transport.down = True
    run.log(_vectors(3))
    with pytest.raises(chroma.ChromaConnectionError):
        run.flush()
    assert clock.waited >= 120, f"a run gave up after {clock.waited:g} s"
    # ... and a server that is back is used soon: at most 5 s between tries.
    assert transport.refused >= clock.waited / 5


def test_a_crashed_runs_spool_is_resent_by_resend_spool(server: Any, spool_dir: Path) -> None:
    script = f"""
import os
import httpx
import numpy as np
import chroma

class Down(httpx.HTTPTransport):
    def handle_request(self, request):
        if request.url.path == "/api/v1/ingest":
            raise httpx.ConnectError("injected: connection refused", request=request)
        return super().handle_request(request)

run = chroma.init("crashed", "train", "emb", url={server.url!r}, transport=Down(),
                  batch_size=10, max_queued_batches=1, max_in_flight=1)
run.log(np.arange(200, dtype=np.float32).reshape(50, 4), ids=[f"k{{i}}" for i in range(50)])
os._exit(0)  # a crash: no flush at exit
"""
    # CHROMA_SPOOL_DIR (the spool_dir fixture) reaches the child through the environment.
    subprocess.run([sys.executable, "-c", script], check=True, timeout=GUARD_S)
    assert len(list(spool_dir.glob("*/*.arrows"))) == 3  # batches 3-5; 1-2 were in memory

    assert chroma.resend_spool() == 30  # the default root: $CHROMA_SPOOL_DIR
    assert not list(spool_dir.iterdir())
    vectors = np.arange(200, dtype=np.float32).reshape(50, 4)
    _assert_stored_once("crashed", server.url, _keys(50)[20:], vectors[20:])


def test_resend_spool_refuses_a_folder_that_is_no_spool(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("not a spool")
    with pytest.raises(chroma.InvalidInput, match="no run's spool folder") as info:
        chroma.resend_spool(tmp_path)
    assert info.value.where == "path"


def test_interrupting_close_while_the_server_is_away_keeps_everything_in_the_spool(
    server: Any, spool_dir: Path
) -> None:
    script = f"""
import sys, threading, time
import httpx
import numpy as np
import chroma

class Down(httpx.HTTPTransport):
    def handle_request(self, request):
        if request.url.path == "/api/v1/ingest":
            raise httpx.ConnectError("injected: connection refused", request=request)
        return super().handle_request(request)

run = chroma.init("interrupted", "train", "emb", url={server.url!r}, transport=Down(),
                  batch_size=10, max_queued_batches=1, max_in_flight=1, backoff=0.01)
run.log(np.arange(200, dtype=np.float32).reshape(50, 4), ids=[f"k{{i}}" for i in range(50)])

def announce():  # once the main thread waits inside close(), ask for the interrupt
    main = threading.main_thread().ident
    while True:
        frame, where = sys._current_frames().get(main), []
        while frame is not None:
            where.append((frame.f_code.co_name, frame.f_code.co_filename))
            frame = frame.f_back
        if any(name == "wait" and file.endswith("_sender.py") for name, file in where):
            print("WAITING", file=sys.stderr, flush=True)
            return
        time.sleep(0.01)

threading.Thread(target=announce, daemon=True).start()
run.close()
"""
    child = subprocess.Popen(
        [sys.executable, "-c", script], stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )
    assert child.stderr is not None
    seen = []
    for line in child.stderr:
        seen.append(line)
        if line.strip() == "WAITING":
            break
    else:
        pytest.fail("the child never waited in close():\n" + "".join(seen))
    child.send_signal(signal.SIGINT)  # Ctrl-C
    rest = child.stderr.read()
    child.wait(timeout=GUARD_S)
    output = "".join(seen) + rest
    assert "KeyboardInterrupt" in output
    folders = [folder for folder in spool_dir.iterdir() if folder.is_dir()]
    assert len(folders) == 1, output
    assert f"not stored, saved in {folders[0]}: rows 0..49 of this run" in output
    assert f"chroma.resend_spool({str(folders[0])!r})" in output

    assert chroma.resend_spool() == 50
    vectors = np.arange(200, dtype=np.float32).reshape(50, 4)
    _assert_stored_once("interrupted", server.url, _keys(50), vectors)
