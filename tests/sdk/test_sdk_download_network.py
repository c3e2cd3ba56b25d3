"""The bulk download (``Client.download``, the standard library's client) reaches the server
the way the SDK's httpx client does: same TLS verification, same proxy from the environment.

A real HTTPS server (uvicorn with a certificate from a throwaway CA made by ``openssl``), a
real HTTP one, and a small forwarding proxy, all on 127.0.0.1.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator

import httpx
import numpy as np
import numpy.typing as npt
import pytest
from network_helpers import Certificates, ForwardingProxy, make_certificates

import chroma
from chroma.db.store import open_store
from chroma.sdk._client import Client, Verify
from chroma.sdk._proxy import environment_proxy
from chroma.sdk._read import fetch_vectors
from chroma.settings import Settings
from live_server import LiveServer

PROJECT, SPACE = "net", "emb"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no proxy and no CA bundle from the machine's environment."""
    for name in list(os.environ):
        if name.lower() in PROXY_VARIABLES or name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def vectors() -> npt.NDArray[np.float32]:
    return np.random.default_rng(7).standard_normal((300, 8)).astype(np.float32)


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
    certificates: Certificates,
    vectors: npt.NDArray[np.float32],
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """(plain HTTP, HTTPS) servers on one SQLite store holding ``vectors``."""
    data = tmp_path_factory.mktemp("net-data")
    store = open_store(Settings(data_dir=data, auto_jobs=False))
    tls = (certificates.server_cert, certificates.server_key)
    with LiveServer(store, owns_store=True) as plain, LiveServer(store, tls=tls) as secure:
        with chroma.init(url=plain.url, project=PROJECT, dataset="train", space=SPACE) as run:
            run.log(vectors, ids=[f"k{i}" for i in range(len(vectors))])
        yield plain, secure


@pytest.fixture
def plain_url(servers: tuple[LiveServer, LiveServer]) -> str:
    return servers[0].url


@pytest.fixture
def https_url(servers: tuple[LiveServer, LiveServer]) -> str:
    return servers[1].url


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    with ForwardingProxy() as running:
        yield running


def _download(url: str, *, keys: bool = False, verify: Verify = True) -> chroma.Vectors:
    client = Client(url, verify=verify)
    try:
        return fetch_vectors(client, project=PROJECT, space=SPACE, keys=keys)
    finally:
        client.close()


def _same(read: chroma.Vectors, vectors: npt.NDArray[np.float32]) -> None:
    order = np.argsort(read.datapoint_ids)
    np.testing.assert_array_equal(read.vectors[order], vectors)


# ---- TLS ----------------------------------------------------------------------------------


def test_an_untrusted_certificate_fails_clearly_on_both_paths(https_url: str) -> None:
    with pytest.raises(chroma.ChromaConnectionError) as bulk:
        _download(https_url)
    client = Client(https_url)
    try:
        with pytest.raises(chroma.ChromaConnectionError) as other:
            client.request("GET", "/healthz")
    finally:
        client.close()
    for info in (bulk, other):
        message = str(info.value)
        assert "TLS certificate that does not verify" in message
        assert "SSL_CERT_FILE" in message
        assert info.value.where == "url"


def test_the_ca_from_ssl_cert_file_is_trusted_like_httpx_trusts_it(
    https_url: str,
    certificates: Certificates,
    vectors: npt.NDArray[np.float32],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))
    _same(_download(https_url), vectors)
    _same(_download(https_url, keys=True), vectors)
    assert chroma.read_vectors(PROJECT, SPACE, url=https_url).keys is not None


def test_a_context_with_the_ca_or_no_verification_is_used_for_the_download(
    https_url: str, certificates: Certificates, vectors: npt.NDArray[np.float32]
) -> None:
    _same(_download(https_url, verify=ssl.create_default_context(cafile=certificates.ca)), vectors)
    _same(_download(https_url, verify=False), vectors)


# ---- proxies ------------------------------------------------------------------------------


def test_https_download_tunnels_through_the_proxy_and_still_verifies(
    https_url: str,
    certificates: Certificates,
    vectors: npt.NDArray[np.float32],
    proxy: ForwardingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    trusted = ssl.create_default_context(cafile=certificates.ca)
    _same(_download(https_url, verify=trusted), vectors)
    _same(_download(https_url, keys=True, verify=trusted), vectors)
    authority = https_url.removeprefix("https://")
    assert proxy.requests == [f"CONNECT {authority}"] * 2

    with pytest.raises(chroma.ChromaConnectionError, match="does not verify"):
        _download(https_url)
    assert proxy.requests[-1] == f"CONNECT {authority}"


def test_http_download_goes_through_the_proxy(
    plain_url: str,
    vectors: npt.NDArray[np.float32],
    proxy: ForwardingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    _same(_download(plain_url), vectors)
    _same(_download(plain_url, keys=True), vectors)
    assert [line.split("?")[0] for line in proxy.requests] == [
        f"GET {plain_url}/api/v1/vectors"
    ] * 2


def test_no_proxy_sends_the_download_straight_to_the_server(
    plain_url: str,
    vectors: npt.NDArray[np.float32],
    proxy: ForwardingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    _same(_download(plain_url), vectors)
    assert proxy.requests == []


# The proxy choice is httpx's: for each environment and URL, ask httpx which transport it
# would use (its private mount table is the oracle here, never in the SDK).
ENVIRONMENTS = [
    {},
    {"HTTP_PROXY": "http://proxy:3128"},
    {"https_proxy": "proxy2:8080"},
    {"ALL_PROXY": "http://all:1080", "HTTP_PROXY": "http://proxy:3128"},
    {"HTTP_PROXY": "http://proxy:3128", "HTTPS_PROXY": "http://tls-proxy:3129"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "localhost,127.0.0.1"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "example.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": ".example.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "*"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "example.com, ::1"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "example.com:8443"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "http://example.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "10.0.0.0/8"},
]
URLS = [
    "http://127.0.0.1:8000/api/v1/vectors",
    "http://localhost:8000/api/v1/vectors",
    "https://example.com/api",
    "https://www.example.com/api",
    "http://example.com/api",
    "http://wwwexample.com/api",
    "https://example.com:8443/api",
    "http://[::1]:8000/api",
    "http://10.0.0.0/api",
    "http://10.1.2.3/api",
]


def _httpx_choice(client: httpx.Client, url: httpx.URL) -> str | None:
    transport = client._transport_for_url(url)
    if transport is client._transport:
        return None
    proxy_url = transport._pool._proxy_url
    return f"{proxy_url.scheme.decode()}://{proxy_url.host.decode()}:{proxy_url.port}"


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=str)
def test_the_proxy_choice_is_the_one_httpx_makes(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with httpx.Client() as client:
        for text in URLS:
            url = httpx.URL(text)
            ours = environment_proxy(url)
            mine = None if ours is None else f"{ours.scheme}://{ours.host}:{ours.port}"
            assert mine == _httpx_choice(client, url), text
