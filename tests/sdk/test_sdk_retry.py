"""Retries at the true outside edge (an httpx transport that fails), and idempotent re-sends."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import numpy as np
import pytest

import chroma

MakeRun = Callable[..., chroma.Run]


class FlakyTransport(httpx.BaseTransport):
    """The network at the outside edge: fails the first ``failures`` requests to ``path``.

    ``mode``: ``"connect"`` raises before the request leaves (nothing reached the server);
    ``"lost_answer"`` delivers the request, then loses the answer (the server did write);
    ``"503"`` answers like an overloaded proxy, without reaching the server;
    ``"cut_body"`` delivers the request and the answer's headers, then loses the connection
    before the end of its body (a server killed just then).
    """

    def __init__(self, failures: int, mode: str = "connect", path: str = "/api/v1/ingest"):
        self.inner = httpx.HTTPTransport()
        self.failures = failures
        self.mode = mode
        self.path = path
        self.attempts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != self.path:
            return self.inner.handle_request(request)
        self.attempts += 1
        if self.failures <= 0:
            return self.inner.handle_request(request)
        self.failures -= 1
        if self.mode == "connect":
            raise httpx.ConnectError("injected: connection refused", request=request)
        if self.mode == "503":
            return httpx.Response(503, text="Service Unavailable", request=request)
        if self.mode == "cut_body":
            real = self.inner.handle_request(request)
            real.read()
            real.close()
            return httpx.Response(
                real.status_code, headers=real.headers, stream=_CutBody(), request=request
            )
        response = self.inner.handle_request(request)
        response.read()
        response.close()
        raise httpx.ReadTimeout("injected: the answer was lost", request=request)

    def close(self) -> None:
        self.inner.close()


class _CutBody(httpx.SyncByteStream):
    def __iter__(self):  # type: ignore[no-untyped-def]
        raise httpx.RemoteProtocolError("injected: peer closed connection mid-body")
        yield b""  # a generator


def _vectors(rows: int) -> np.ndarray:
    return np.arange(rows * 4, dtype=np.float32).reshape(rows, 4)


def test_refused_connections_are_retried_and_the_data_arrives_once(make_run: MakeRun) -> None:
    transport = FlakyTransport(failures=2, mode="connect")
    run = make_run(transport=transport, batch_size=5)
    run.log(_vectors(10), ids=[f"k{i}" for i in range(10)])
    run.flush()
    assert transport.attempts == 4  # batch 1: two refusals then success; batch 2: at once
    assert (run.inserted, run.updated) == (10, 0)
    assert sorted(run.datapoints()["key"]) == sorted(f"k{i}" for i in range(10))


def test_a_lost_answer_is_retried_with_the_same_bytes_and_nothing_duplicates(
    make_run: MakeRun,
) -> None:
    # The server wrote the batch, the client never heard: the retry re-sends the same keys.
    transport = FlakyTransport(failures=1, mode="lost_answer")
    run = make_run(transport=transport)
    keys = run.log(_vectors(6))
    run.flush()
    assert transport.attempts == 2
    assert (run.inserted, run.updated) == (0, 6)  # the answer we heard was the re-send's
    frame = run.datapoints()
    assert sorted(frame["key"]) == sorted(keys)
    read = run.vectors()
    assert len(read) == 6
    assert sorted(read.keys or []) == sorted(keys)


def test_an_answer_cut_off_after_its_headers_is_retried(make_run: MakeRun) -> None:
    # Seen when a server was killed mid-run: the 200's headers came, its body did not. The
    # batch was stored; the re-send updates the same keys, and nothing is lost or doubled.
    transport = FlakyTransport(failures=1, mode="cut_body")
    run = make_run(transport=transport)
    keys = run.log(_vectors(6))
    run.flush()
    assert transport.attempts == 2
    assert (run.inserted, run.updated) == (0, 6)
    assert sorted(run.datapoints()["key"]) == sorted(keys)


def test_503_from_a_proxy_is_retried(make_run: MakeRun) -> None:
    transport = FlakyTransport(failures=3, mode="503")
    run = make_run(transport=transport)
    run.log(_vectors(3))
    run.flush()
    assert transport.attempts == 4
    assert run.inserted == 3


def test_retries_give_up_with_a_connection_error_naming_the_url(make_run: MakeRun) -> None:
    transport = FlakyTransport(failures=100, mode="connect")
    run = make_run(transport=transport, max_attempts=3)
    run.log(_vectors(3))
    with pytest.raises(chroma.ChromaConnectionError, match="No Chroma server answered") as info:
        run.flush()
    assert transport.attempts == 3
    assert run.url in str(info.value)
    assert run.inserted == 0
    run.flush()  # the error was raised once; the run goes on


def test_logging_the_same_ids_twice_upserts(make_run: MakeRun) -> None:
    run = make_run()
    ids = ["a", "b", "c"]
    run.log(_vectors(3), ids=ids, labels=["x", "y", "z"])
    run.flush()
    run.log(_vectors(3) + 1, ids=ids, labels=["x2", "y2", "z2"])
    run.flush()
    assert (run.inserted, run.updated) == (3, 3)
    frame = run.datapoints().sort_values("key")
    assert frame["label"].tolist() == ["x2", "y2", "z2"]
    read = run.vectors()
    assert len(read) == 3
    by_key = dict(zip(read.keys or [], read.vectors.tolist(), strict=True))
    assert by_key["a"] == (_vectors(3) + 1)[0].tolist()
