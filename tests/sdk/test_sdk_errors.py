"""Failures a user meets: no server, the server refusing a batch, unknown names, tokens."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

import chroma

MakeRun = Callable[..., chroma.Run]


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Clock:
    """Stands in for ``time`` in the SDK's HTTP client (its health check and retries):
    ``sleep`` moves ``monotonic`` on instead of waiting, so ``waited`` is how long the SDK
    chose to wait, whatever the machine's speed."""

    def __init__(self) -> None:
        self.waited = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.waited

    def sleep(self, seconds: float) -> None:
        self.waited += seconds
        assert self.waited < 600, "the SDK keeps waiting for a server that is not there"


def test_no_server_fails_fast_with_instructions(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr("chroma.sdk._client.time", clock)
    url = f"http://127.0.0.1:{_unused_port()}"
    with pytest.raises(chroma.ChromaConnectionError) as info:
        chroma.init(project="p", dataset="d", space="s", url=url)
    # init's docstring: it "checks at once that a server answers (within about three
    # seconds)", not after a batch's retries and back-off.
    assert clock.waited <= 3.0, f"the SDK waited {clock.waited:g} s for a refused port"
    assert str(info.value.message) == (
        f"No Chroma server answered at {url}. "
        "Start one with `chroma application run` (or pass url=...)."
    )


def test_bulk_read_without_a_server_says_how_to_start_one() -> None:
    url = f"http://127.0.0.1:{_unused_port()}"
    with pytest.raises(chroma.ChromaConnectionError) as info:
        chroma.read_vectors("p", "s", url=url)
    assert "Start one with `chroma application run`" in str(info.value)


def test_bulk_read_of_an_unknown_space_is_not_found(local_server: Any) -> None:
    with pytest.raises(chroma.NotFound) as info:
        chroma.read_vectors("no-such-project", "s", url=local_server.url)
    assert info.value.where == "project"


def test_url_comes_from_the_environment(local_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMA_URL", local_server.url + "/")
    run = chroma.init(project="env", dataset="d", space="s")
    try:
        assert run.url == local_server.url
    finally:
        run.close()


def test_server_rejection_surfaces_on_flush_and_writes_nothing(make_run: MakeRun) -> None:
    run = make_run(batch_size=2)
    run.log(np.ones((3, 2)), ids=["ok1", "ok2", "bad"], labels=["a", "b", "x" * 501])
    with pytest.raises(chroma.InvalidInput, match="longer than 500") as info:
        run.flush()
    assert info.value.where == "label[0]"  # the server's where: row 0 of the failed batch
    assert any("rows 2..2 of this run" in note for note in info.value.__notes__)
    frame = run.datapoints()
    assert sorted(frame["key"]) == ["ok1", "ok2"]  # the first batch landed, the bad one not


def test_background_failure_is_raised_by_the_next_log(make_run: MakeRun) -> None:
    run = make_run(batch_size=1)
    run.log([[1.0]], labels=["x" * 501])  # a full batch: sent in the background
    deadline = time.monotonic() + 10
    with pytest.raises(chroma.InvalidInput, match="longer than 500"):  # noqa: PT012
        while time.monotonic() < deadline:
            run.log([[2.0]])
            time.sleep(0.01)
    run.close()  # the error was raised once; what is logged after it still goes out


class GatedTransport(httpx.HTTPTransport):
    """Holds the first ingest request until ``gate`` opens, so later batches queue up."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/ingest":
            assert self.gate.wait(10)
        return super().handle_request(request)


def test_rows_queued_behind_a_failure_are_dropped_and_counted(make_run: MakeRun) -> None:
    transport = GatedTransport()
    # One batch in flight, so none of the queued ones starts before the failure is known.
    run = make_run(batch_size=2, max_queued_batches=10, max_in_flight=1, transport=transport)
    run.log(np.ones((2, 1)), labels=["ok", "x" * 501])  # batch 1: the server refuses it
    run.log(np.ones((6, 1)))  # batches 2-4 wait behind it
    transport.gate.set()
    with pytest.raises(chroma.InvalidInput) as info:
        run.flush()
    assert "3 batch(es) (6 rows) queued behind the failed one" in " ".join(info.value.__notes__)
    assert run.inserted == 0
    run.log(np.ones((1, 1)))
    run.flush()
    assert run.inserted == 1


def test_dimension_conflict_with_the_space_is_caught_locally(make_run: MakeRun) -> None:
    first = make_run(project="dims", dataset="a")
    first.log(np.ones((2, 4)))
    first.flush()
    second = make_run(project="dims", dataset="b")
    assert second.dimension == 4  # learnt from the existing space at init
    with pytest.raises(chroma.InvalidInput, match="dimension 4") as info:
        second.log(np.ones((2, 3)))
    assert info.value.where == "embeddings"


def test_dimension_conflict_found_by_the_server_names_it(make_run: MakeRun) -> None:
    early = make_run(project="race", dataset="a")  # made before the space exists
    late = make_run(project="race", dataset="b")
    early.log(np.ones((2, 4)))
    early.flush()
    late.log(np.ones((2, 3)))
    with pytest.raises(chroma.InvalidInput, match="dimension 4") as info:
        late.flush()
    assert info.value.where == "vector"
    with pytest.raises(chroma.NotFound):
        late.datapoints()  # dataset "b" was never created: the batch wrote nothing


def test_unknown_names_on_read_raise_not_found(make_run: MakeRun) -> None:
    run = make_run(project="known")
    run.log(np.ones((1, 2)))
    run.flush()
    url = run.url
    with pytest.raises(chroma.NotFound, match="no project named 'nope'") as info:
        chroma.read_datapoints("nope", url=url)
    assert info.value.where == "project"
    with pytest.raises(chroma.NotFound, match="no project named 'nope'"):
        chroma.read_vectors("nope", "emb", url=url)
    with pytest.raises(chroma.NotFound, match="no space named 'other'"):
        chroma.read_vectors("known", "other", url=url)
    with pytest.raises(chroma.NotFound, match="no dataset named 'missing'"):
        run.vectors("missing")


def test_token_is_sent_and_a_wrong_one_fails_at_init(token_server: Any) -> None:
    with pytest.raises(chroma.Unauthorized, match="bearer token") as info:
        chroma.init(project="p", dataset="d", space="s", url=token_server.url)
    assert any("CHROMA_AUTH_TOKEN" in note for note in info.value.__notes__)
    with chroma.init(
        project="p", dataset="d", space="s", url=token_server.url, token="s3cret-token-0123456789"
    ) as run:
        run.log(np.ones((2, 2)))
    assert run.inserted == 2


def test_a_closed_run_refuses_to_log(local_run: chroma.Run) -> None:
    local_run.close()
    local_run.close()  # twice is fine
    with pytest.raises(ValueError, match="closed"):
        local_run.log([[1.0]])
