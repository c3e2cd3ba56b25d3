"""Remote images cannot take the server inside the network (issue 14, items 2, 3, 12).

A datapoint's ``uri`` is chosen by whoever logs it. Over real HTTP on both databases:
fetching is off by default; when on, every non-public address is refused after DNS and
on every redirect (even with the test's own 127.0.0.1 upstream allowed), the connection
goes to the address that was checked, one deadline bounds a whole fetch, hanging
upstreams never starve the API, and every failure reads the same, without internals.

The upstreams are small HTTP servers of the test's own on 127.0.0.1 / 127.0.0.2; DNS is
replaced where a test needs a name (``remote_images.resolve_addresses``, the outside edge).
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

import chroma
from chroma.db.models import Datapoint
from chroma.db.store import Store
from chroma.services import remote_images
from chroma.settings import Settings
from image_host import ImageHost
from live_server import LiveServer
from waiting import wait_until

SAFETY = 120.0
"""A client timeout far above any deadline these tests configure: it only keeps a broken
server from hanging the test, nothing is asserted about time."""


def png() -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(out, "PNG")
    return out.getvalue()


class Upstream(ImageHost):
    """An image server: ``/digit.png``; ``/redirect?to=URL``; ``/loop`` (redirects to
    itself); ``/drip`` (a byte every 0.2 s, forever); ``/hang`` (answers when released)."""

    def __init__(self, address: str = "127.0.0.1", port: int = 0) -> None:
        self.hanging = 0
        super().__init__(Upstream._route, address=address, port=port)

    def _route(self, handler: BaseHTTPRequestHandler, full_path: str) -> None:
        path = urlsplit(full_path).path
        if path == "/redirect":
            self.answer(handler, 302, b"", location=parse_qs(urlsplit(full_path).query)["to"][0])
        elif path == "/loop":
            self.answer(handler, 302, b"", location="/loop")
        elif path == "/drip":
            self._drip(handler)
        elif path == "/hang":
            with self.lock:
                self.hanging += 1
            self.release.wait(SAFETY)
            with self.lock:
                self.hanging -= 1
            self.answer(handler, 200, png())
        elif path == "/digit.png":
            self.answer(handler, 200, png())
        else:
            self.answer(handler, 404, b"gone")

    def _drip(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "image/png")
        handler.send_header("content-length", "1000000")
        handler.end_headers()
        try:
            while not self.release.wait(0.2):
                handler.wfile.write(b"x")
                handler.wfile.flush()
        except OSError:
            pass  # the fetch gave up and closed the connection


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    with Upstream() as running:
        yield running


def serve(store: Store, **settings: Any) -> LiveServer:
    """A live server on ``store`` with these settings changed."""
    store.settings = store.settings.model_copy(update=settings)
    return LiveServer(store)


def log_uris(server: LiveServer, uris: list[str]) -> list[int]:
    """Log one datapoint per uri with the SDK; their ids, in order."""
    keys = [f"k{i}" for i in range(len(uris))]
    with chroma.init("demo", "train", "emb", url=server.url) as run:
        run.log(np.ones((len(uris), 4), np.float32), ids=keys, uris=uris)
    with server.store.read() as session:
        found = dict(session.execute(select(Datapoint.key, Datapoint.id)).all())
    return [found[key] for key in keys]


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert set(body) == {"code", "message", "where"}
    return dict(body)


def image(http: httpx.Client, datapoint_id: int, kind: str = "image") -> httpx.Response:
    return http.get(f"/api/v1/datapoints/{datapoint_id}/{kind}", timeout=SAFETY)


def test_fetching_is_off_by_default(store: Store, upstream: Upstream) -> None:
    assert Settings().image_fetch_hosts == []
    with serve(store) as live, httpx.Client(base_url=live.url) as http:
        (dp,) = log_uris(live, [f"{upstream.url}/digit.png"])
        for kind in ("image", "thumbnail"):
            body = error(image(http, dp, kind), 403)
            assert body["where"] == "uri"
            assert "CHROMA_IMAGE_FETCH_HOSTS" in body["message"]
    assert upstream.paths() == []


def test_non_public_addresses_are_refused_after_dns_whatever_their_spelling(
    store: Store, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_dns = remote_images.resolve_addresses

    def dns(host: str, port: int) -> list[str]:
        # A public name with one private address among its answers: all must be public.
        return ["93.184.216.34", "127.0.0.1"] if host == "mixed.example" else real_dns(host, port)

    monkeypatch.setattr(remote_images, "resolve_addresses", dns)
    port = upstream.port
    spellings = [
        f"http://127.0.0.1:{port}/digit.png",
        f"http://localhost:{port}/digit.png",
        f"http://2130706433:{port}/digit.png",  # 127.0.0.1 as one number
        f"http://0x7f.1:{port}/digit.png",  # hex and short forms
        f"http://0177.0.0.1:{port}/digit.png",  # octal
        f"http://[::1]:{port}/digit.png",
        f"http://[::ffff:127.0.0.1]:{port}/digit.png",  # IPv4-mapped IPv6
        f"http://[64:ff9b::7f00:1]:{port}/digit.png",  # NAT64 of 127.0.0.1
        f"http://0.0.0.0:{port}/digit.png",
        f"http://127.0.0.1.:{port}/digit.png",  # a trailing dot
        f"http://mixed.example:{port}/digit.png",
        "http://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
        "http://10.0.0.1/digit.png",
        "http://100.64.0.1/digit.png",  # shared address space
        "http://[fe80::1]/digit.png",
        "http://[fc00::1]/digit.png",
    ]
    with serve(store, image_fetch_hosts=["*"]) as live, httpx.Client(base_url=live.url) as http:
        ids = log_uris(live, [*spellings, f"http://user:pw@127.0.0.1:{port}/digit.png"])
        for uri, dp in zip(spellings, ids, strict=False):
            for kind in ("image", "thumbnail"):
                body = error(image(http, dp, kind), 502)
                assert (body["code"], body["where"], body["message"]) == (
                    "upstream_failed",
                    "uri",
                    remote_images.COULD_NOT_FETCH,
                ), uri
        body = error(image(http, ids[-1]), 403)
        assert "user name or password" in body["message"]
    assert upstream.paths() == []  # none of them reached the upstream


@pytest.fixture
def twin(upstream: Upstream) -> Iterator[Upstream]:
    """A second upstream on 127.0.0.2, same port: where a rebinding or redirect would go."""
    with Upstream("127.0.0.2", upstream.port) as running:
        yield running


def test_allowed_fetches_go_to_the_checked_address_under_the_name(
    store: Store, upstream: Upstream, twin: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([["127.0.0.1"]])  # then 127.0.0.2: a rebinding DNS server's second answer
    asked: list[str] = []

    def dns(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers, ["127.0.0.2"])

    monkeypatch.setattr(remote_images, "resolve_addresses", dns)
    settings = {
        "image_fetch_hosts": ["images.test"],
        "image_fetch_private_networks": ["127.0.0.1/32"],  # dangerous; the test's upstream
    }
    with serve(store, **settings) as live, httpx.Client(base_url=live.url) as http:
        (dp,) = log_uris(live, [f"http://images.test:{upstream.port}/digit.png"])
        response = image(http, dp)
        assert response.status_code == 200, response.text
        assert response.content == png()
    # One DNS lookup, and the connection went to its answer: the system resolver, which
    # knows no images.test, was never asked (it would have failed the fetch).
    assert asked == ["images.test"]
    assert upstream.requests == [("/digit.png", f"images.test:{upstream.port}")]
    assert twin.requests == []


def test_every_redirect_is_checked_even_with_loopback_allowed(
    store: Store, upstream: Upstream, twin: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_dns = remote_images.resolve_addresses
    monkeypatch.setattr(
        remote_images,
        "resolve_addresses",
        lambda host, port: ["10.1.2.3"] if host == "intranet.test" else real_dns(host, port),
    )
    via = f"{upstream.url}/redirect?to="
    uris = [
        f"{via}/digit.png",  # a redirect that stays on the allowed address: followed
        f"{via}http://127.0.0.2:{twin.port}/digit.png",  # to another loopback address
        f"{via}http://[::1]:{twin.port}/digit.png",
        f"{via}http://169.254.169.254/latest/meta-data/",
        f"{via}http://intranet.test/digit.png",  # a name with a private address
        f"{via}file:///etc/passwd",
        f"{upstream.url}/loop",  # more than MAX_REDIRECTS
    ]
    settings = {"image_fetch_hosts": ["*"], "image_fetch_private_networks": ["127.0.0.1/32"]}
    with serve(store, **settings) as live, httpx.Client(base_url=live.url) as http:
        ids = log_uris(live, uris)
        followed = image(http, ids[0])
        assert followed.status_code == 200, followed.text
        assert followed.content == png()
        for uri, dp in zip(uris[1:], ids[1:], strict=True):
            body = error(image(http, dp), 502)
            assert body["message"] == remote_images.COULD_NOT_FETCH, uri
    assert twin.requests == []
    assert upstream.paths().count("/loop") == remote_images.MAX_REDIRECTS + 1


def test_a_slow_drip_is_cut_off_by_the_one_deadline_of_the_fetch(
    store: Store, upstream: Upstream
) -> None:
    """Each byte comes well within any per-read timeout, forever: only a deadline for the
    whole fetch ends it (1 s here; the body would take 55 hours)."""
    settings = {
        "image_fetch_hosts": ["127.0.0.1"],
        "image_fetch_private_networks": ["127.0.0.1/32"],
        "image_fetch_timeout": 1.0,
    }
    with serve(store, **settings) as live, httpx.Client(base_url=live.url) as http:
        (dp,) = log_uris(live, [f"{upstream.url}/drip"])
        body = error(image(http, dp), 502)
        assert body["message"] == remote_images.COULD_NOT_FETCH
    assert upstream.paths() == ["/drip"]


def test_fifty_hanging_fetches_leave_the_api_answering(store: Store, upstream: Upstream) -> None:
    settings = {
        "image_fetch_hosts": ["127.0.0.1"],
        "image_fetch_private_networks": ["127.0.0.1/32"],
        "image_fetch_timeout": SAFETY / 2,  # the upstream hangs until the test releases it
    }
    with serve(store, **settings) as live, httpx.Client(base_url=live.url) as http:
        workers = live.store.settings.image_fetch_workers
        accepted = workers + live.store.settings.image_fetch_queue
        ids = log_uris(live, [f"{upstream.url}/hang?n={n}" for n in range(50)])
        answers: list[int] = []

        def fetch(dp: int) -> None:
            answers.append(
                httpx.get(f"{live.url}/api/v1/datapoints/{dp}/image", timeout=SAFETY).status_code
            )

        threads = [threading.Thread(target=fetch, args=(dp,)) for dp in ids]
        for thread in threads:
            thread.start()
        # The pool runs `workers` fetches, queues the next ones and refuses the rest (503).
        wait_until(
            lambda: upstream.hanging == workers,
            f"{workers} fetches at the upstream",
            timeout=SAFETY,
        )
        wait_until(
            lambda: len(answers) == 50 - accepted,
            "the fetches over the queue refused",
            timeout=SAFETY,
        )
        assert answers == [503] * (50 - accepted)

        assert http.get("/healthz", timeout=SAFETY).status_code == 200
        text = http.get(f"/api/v1/datapoints/{ids[0]}/text", timeout=SAFETY)
        assert error(text, 404)["where"] == "text"  # a database read through the API's pool
        # ... answered while every accepted fetch still hangs.
        assert upstream.hanging == workers
        assert len(answers) == 50 - accepted

        upstream.release.set()
        for thread in threads:
            thread.join(SAFETY)
        assert sorted(answers) == [200] * accepted + [503] * (50 - accepted)


def test_failures_read_the_same_and_show_no_internals(
    store: Store, upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused port, a silent one, an unknown name and a refused address give one answer
    (no port scanning through the server); no message shows a folder of the server, an
    errno or a Python object's address."""
    real_dns = remote_images.resolve_addresses

    def dns(host: str, port: int) -> list[str]:
        if host == "nowhere.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_dns(host, port)

    monkeypatch.setattr(remote_images, "resolve_addresses", dns)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]  # nothing listens once this block ends
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never answers
    root = tmp_path / "images"
    root.mkdir()
    (root / "damaged.png").write_bytes(png()[:40])
    (root / "notes.txt").write_text("not an image")
    settings = {
        "image_fetch_hosts": ["*"],
        "image_fetch_private_networks": ["127.0.0.0/8"],
        "image_fetch_timeout": 1.0,
        "image_roots": [root],
    }
    try:
        with serve(store, **settings) as live, httpx.Client(base_url=live.url) as http:
            uris = [
                f"http://127.0.0.1:{closed_port}/digit.png",
                f"http://127.0.0.1:{silent.getsockname()[1]}/digit.png",
                "http://nowhere.test/digit.png",
                "http://192.168.1.1/digit.png",
                f"{upstream.url}/redirect?to=http://10.0.0.1/",
            ]
            local = ["notes.txt", "damaged.png", str(tmp_path / "elsewhere.png")]
            ids = log_uris(live, [*uris, *local])
            messages = {error(image(http, dp), 502)["message"] for dp in ids[: len(uris)]}
            assert messages == {remote_images.COULD_NOT_FETCH}
            # Pillow's own messages name the BytesIO it read by address, or the errno.
            not_image = error(image(http, ids[-3]), 415)["message"]
            damaged = error(image(http, ids[-2], "thumbnail"), 415)["message"]
            outside = error(image(http, ids[-1]), 403)["message"]
    finally:
        silent.close()
    for message in (*messages, damaged, outside, not_image):
        for internal in (str(tmp_path), "Errno", "errno", " at 0x", "object at", "BytesIO"):
            assert internal not in message, (internal, message)
    assert "not an image" in not_image
