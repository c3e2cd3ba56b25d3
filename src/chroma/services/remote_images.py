"""Remote images, fetched without letting a datapoint's ``uri`` reach inside the network.

A ``uri`` is data anyone who can log a datapoint chooses, so the server fetches it only
when ``Settings.image_fetch_hosts`` names its host (default: none, fetching is off), and
then only from public addresses:

- the name is resolved once and *every* address it resolves to must be public (not
  loopback, private, link-local, unspecified, shared, multicast, ...; IPv6 forms that
  embed an IPv4 address are judged by that address), unless it lies in one of
  ``Settings.image_fetch_private_networks`` (which an admin sets knowingly);
- the connection goes to the address that was checked (``_PinnedBackend``), with the
  name in ``Host`` and in TLS's SNI, so a second DNS answer (rebinding) cannot redirect it;
- redirects are followed here, at most ``MAX_REDIRECTS``, each target checked the same way;
- one deadline bounds the whole fetch: every connect, read and write gets only the time
  left (an upstream sending a byte every two seconds is cut off at the deadline);
- fetches run in a small pool of their own with a bounded queue (503 beyond it), and the
  request waits for them without holding a thread, so hanging upstreams cannot starve the
  API;
- every failure on the way (a refused address, DNS, a refused or silent port, a timeout, a
  redirect out of bounds) answers the same 502 and message, so the answers tell nothing
  about what listens where (the server's log has the cause).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import socket
import ssl
import threading
import time
import typing
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import httpcore

from chroma.core.errors import ChromaError, Forbidden, UnsupportedMedia, UpstreamFailed
from chroma.settings import Settings

log = logging.getLogger("chroma.images")

MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEADLINE_GRACE = 1.0
"""Seconds the request waits beyond the deadline for its fetch to say so itself (a DNS
lookup, the one step no timeout reaches, may still be running)."""

COULD_NOT_FETCH = (
    "the image could not be fetched: its host did not answer in time or could not be "
    "reached, or its address is one this server does not fetch from (loopback, private, "
    "link-local and other non-public addresses)"
)

T = typing.TypeVar("T")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchesBusy(ChromaError):
    """HTTP 503: every fetch worker is busy and the queue is full; try again shortly."""

    status_code = 503
    code = "busy"


class _Refused(Exception):
    """A step of the fetch failed; the client gets ``COULD_NOT_FETCH``, the log this text."""


def resolve_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to: the one DNS lookup of a fetch step (tests stand
    in for DNS here)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """``host`` (a name or an IP address, no port) is one of ``patterns``: exact names or
    addresses, ``*.example.org`` for its subdomains, ``*`` for any."""
    host = _normal_host(host)
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern == "*":
            return True
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif _normal_host(pattern) == host:
            return True
    return False


def _normal_host(host: str) -> str:
    host = host.strip().strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def is_public(address: IPAddress) -> bool:
    """A globally reachable unicast address, judging IPv6 forms that carry an IPv4 address
    (mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4, Teredo) by that address too."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return all(is_public(inner) for inner in embedded if inner is not None)
    return True


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def address_allowed(address: str, private_networks: Iterable[object]) -> bool:
    """``address`` is public, or in one of ``private_networks`` (``IPv4Network``... or
    their text: settings copied with ``model_copy(update=...)`` stay unconverted)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return is_public(ip) or any(
        ip in ipaddress.ip_network(str(network), strict=False) for network in private_networks
    )


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str
    """ASCII (IDNA), lower case, an IPv6 address without brackets."""
    port: int
    path: str
    """The request target: path and query, percent-encoded."""
    has_credentials: bool


_SAFE = "/%:@!$&'()*+,;=-._~"


def _parse(url: str) -> _Url | None:
    """The parts of a usable http(s) URL, else None."""
    try:
        parts = urlsplit(url)
        scheme, hostname, port = parts.scheme.lower(), parts.hostname, parts.port
        host = _normal_host(hostname.encode("idna").decode("ascii")) if hostname else ""
    except (ValueError, UnicodeError):
        return None
    if scheme not in ("http", "https") or not host:
        return None
    if not all(char.isalnum() or char in ".-_:" for char in host):
        return None
    path = quote(parts.path or "/", safe=_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_SAFE + "?")
    return _Url(
        scheme=scheme,
        host=host,
        port=port or (443 if scheme == "https" else 80),
        path=path,
        has_credentials=parts.username is not None or parts.password is not None,
    )


@dataclass(frozen=True)
class _Target:
    """One step of a fetch: its URL and the checked address to connect to."""

    url: str
    parts: _Url
    address: str

    @property
    def host_header(self) -> str:
        host = f"[{self.parts.host}]" if ":" in self.parts.host else self.parts.host
        default = 443 if self.parts.scheme == "https" else 80
        return host if self.parts.port == default else f"{host}:{self.parts.port}"


def check_allowed(settings: Settings, url: str) -> None:
    """Refuse, before any network use, what this server's settings never fetch: fetching
    off (403), a host not in ``image_fetch_hosts`` (403), credentials in the URL (403), no
    valid http(s) URL (415)."""
    _allowed_url(settings, url)


def _allowed_url(settings: Settings, url: str) -> _Url:
    if not settings.image_fetch_hosts:
        raise Forbidden(
            "this server does not fetch remote images: set CHROMA_IMAGE_FETCH_HOSTS to the "
            "hosts it may fetch them from",
            where="uri",
        )
    parts = _parse(url)
    if parts is None:
        raise UnsupportedMedia("the uri is not a valid http(s) URL", where="uri")
    if parts.has_credentials:
        raise Forbidden("a uri with a user name or password is not fetched", where="uri")
    if not host_matches(parts.host, settings.image_fetch_hosts):
        raise Forbidden(
            "the uri's host is not one of CHROMA_IMAGE_FETCH_HOSTS, the hosts this server "
            "fetches images from",
            where="uri",
        )
    return parts


def _target(settings: Settings, url: str) -> _Target:
    """Check one step's URL against every rule and resolve it (once); _Refused if any fails."""
    try:
        parts = _allowed_url(settings, url)
    except ChromaError as exc:
        raise _Refused(f"{url}: {exc.message}") from None
    try:
        addresses = resolve_addresses(parts.host, parts.port)
    except (OSError, UnicodeError) as exc:
        raise _Refused(f"{url}: DNS failed ({exc})") from None
    networks = settings.image_fetch_private_networks
    refused = [a for a in addresses if not address_allowed(a, networks)]
    if not addresses or refused:
        raise _Refused(f"{url}: {parts.host} resolves to addresses not fetched from: {refused}")
    return _Target(url, parts, addresses[0].split("%", 1)[0])


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def clamp(self, timeout: float | None, expired: type[Exception]) -> float:
        """``timeout`` cut to the time left; ``expired`` raised when none is."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise expired("the fetch's deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write gets only what is left of the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, timeout), self._deadline
        )

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the one address checked for this step, whatever name the URL has."""

    def __init__(self, address: str, deadline: _Deadline) -> None:
        self._address = address
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(self._address, port, timeout, local_address)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("no unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return httpcore.default_ssl_context()


def fetch_blocking(settings: Settings, url: str, deadline: _Deadline) -> bytes:
    """GET ``url`` following redirects, every step checked: the body, or UpstreamFailed."""
    try:
        for _ in range(MAX_REDIRECTS + 1):
            deadline.clamp(None, httpcore.ConnectTimeout)  # spent waiting in the queue
            target = _target(settings, url)
            location = _get(settings, target, deadline)
            if isinstance(location, bytes):
                return location
            url = urljoin(target.url, location)
        raise _Refused(f"more than {MAX_REDIRECTS} redirects")
    except (
        _Refused,
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        OSError,
    ) as exc:
        log.info("remote image %s not fetched: %s", url, exc)
        raise UpstreamFailed(COULD_NOT_FETCH, where="uri") from None


def _get(settings: Settings, target: _Target, deadline: _Deadline) -> bytes | str:
    """One GET: the body of a 200, or the location of a redirect."""
    max_bytes = settings.image_max_bytes
    headers = [
        (b"Host", target.host_header.encode("ascii")),
        (b"Accept", b"image/*"),
        (b"User-Agent", b"chroma-image-fetch"),
    ]
    left = deadline.clamp(None, httpcore.ConnectTimeout)
    extensions = {
        "timeout": {"connect": left, "read": left, "write": left, "pool": left},
        "sni_hostname": target.parts.host,
    }
    backend = _PinnedBackend(target.address, deadline)
    url = httpcore.URL(
        scheme=target.parts.scheme.encode(),
        host=target.parts.host.encode("ascii"),
        port=target.parts.port,
        target=target.parts.path.encode("ascii"),
    )
    with (
        httpcore.ConnectionPool(
            ssl_context=_ssl_context(), max_connections=1, network_backend=backend
        ) as pool,
        pool.stream("GET", url, headers=headers, extensions=extensions) as response,
    ):
        found = {name.lower(): value for name, value in response.headers}
        if response.status in REDIRECT_STATUSES and b"location" in found:
            return found[b"location"].decode("latin-1")
        if response.status != 200:
            raise UpstreamFailed(f"the image's server answered HTTP {response.status}", where="uri")
        declared = found.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > max_bytes:
            raise UpstreamFailed(_too_big(max_bytes), where="uri")
        body = bytearray()
        for part in response.iter_stream():
            body += part
            if len(body) > max_bytes:
                raise UpstreamFailed(_too_big(max_bytes), where="uri")
        return bytes(body)


def _too_big(max_bytes: int) -> str:
    return f"the image is larger than CHROMA_IMAGE_MAX_BYTES ({max_bytes:,} bytes)"


@dataclass(frozen=True)
class _Pool:
    executor: ThreadPoolExecutor
    slots: threading.BoundedSemaphore
    """Running plus waiting fetches: a fetch that finds none free is refused (503)."""


@functools.cache
def _pool(workers: int, queue: int) -> _Pool:
    return _Pool(
        ThreadPoolExecutor(workers, thread_name_prefix="chroma-image-fetch"),
        threading.BoundedSemaphore(workers + queue),
    )


async def fetch(settings: Settings, url: str, keep: Callable[[bytes], T]) -> T:
    """Fetch ``url`` in the fetch pool and hand its body to ``keep`` there (checks, cache);
    what ``keep`` returns. The caller's coroutine waits without holding a thread, at most
    the fetch's deadline (``image_fetch_timeout``) and a grace second."""
    check_allowed(settings, url)
    pool = _pool(settings.image_fetch_workers, settings.image_fetch_queue)
    if not pool.slots.acquire(blocking=False):
        raise FetchesBusy(
            "too many remote images are being fetched right now; try again shortly",
            where="uri",
        )
    deadline = _Deadline(settings.image_fetch_timeout)
    try:
        future = pool.executor.submit(lambda: keep(fetch_blocking(settings, url, deadline)))
    except BaseException:
        pool.slots.release()
        raise
    future.add_done_callback(lambda _: pool.slots.release())
    try:
        return await asyncio.wait_for(
            asyncio.wrap_future(future), settings.image_fetch_timeout + DEADLINE_GRACE
        )
    except TimeoutError:
        log.info("remote image %s not fetched: past the deadline", url)
        raise UpstreamFailed(COULD_NOT_FETCH, where="uri") from None
