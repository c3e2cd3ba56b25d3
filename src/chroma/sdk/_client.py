"""HTTP to a Chroma server: every call has a timeout, transient failures are retried.

Retried: connection errors, timeouts and HTTP 502/503/504, with exponential backoff, until
a :class:`RetryPolicy` runs out of tries or of patience (seconds since the first failure:
a run's sender waits out a server restart this way). Not retried: other answers (a 4xx or
500 becomes the matching :class:`~chroma.core.errors.ChromaError` with the server's message
and ``where``) and a server certificate that does not verify.

Both ways to the server (httpx, and the standard library's client for bulk downloads) use
one TLS context and the same proxy from the environment: docs/adr/0004-bulk-wire.md.
"""

from __future__ import annotations

import io
import os
import random
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any, Protocol, overload

import httpx

from chroma._version import __version__
from chroma.sdk._errors import ChromaConnectionError, error_from_response
from chroma.sdk._proxy import environment_proxy

DEFAULT_URL = "http://127.0.0.1:8000"
RETRY_STATUSES = frozenset({502, 503, 504})
HEALTH_TIMEOUT_S = 2.0
HEALTH_DEADLINE_S = 2.5

Params = Mapping[str, str | int | float | bool | Sequence[str] | None]
Verify = ssl.SSLContext | bool
"""TLS settings, as httpx takes them: True (the CA bundle of ``SSL_CERT_FILE`` or
``SSL_CERT_DIR``, else certifi's), False (no verification), or a context of your own (a
private CA, a client certificate with ``load_cert_chain``)."""


class Body(Protocol):
    """What :meth:`Client.download` hands out: a binary file, and the answer's headers."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readinto(self, buffer: memoryview, /) -> int: ...

    @overload
    def getheader(self, name: str) -> str | None: ...

    @overload
    def getheader(self, name: str, default: str) -> str: ...


def resolve_url(url: str | None) -> str:
    """``url``, else ``$CHROMA_URL``, else the local default; without a trailing slash."""
    chosen = url or os.environ.get("CHROMA_URL") or DEFAULT_URL
    return chosen.rstrip("/")


def resolve_token(token: str | None) -> str | None:
    """``token``, else ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN`` (the server's own
    token, which a script on the server's machine may already have), else none."""
    return token or os.environ.get("CHROMA_TOKEN") or os.environ.get("CHROMA_AUTH_TOKEN") or None


def not_running_message(url: str) -> str:
    return (
        f"No Chroma server answered at {url}. "
        "Start one with `chroma application run` (or pass url=...)."
    )


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a request again after a connection error, a timeout or HTTP 502/503/504.

    Gives up after ``max_attempts`` tries in all (None: no limit on the count) or once
    ``patience`` seconds have passed since the first failure (None: no deadline); in between
    it waits ``backoff * 2**n`` seconds, capped at ``max_backoff``, with jitter.
    """

    max_attempts: int | None = 5
    backoff: float = 0.5
    max_backoff: float = 10.0
    patience: float | None = None

    def delay(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * (2 ** min(attempt, 60)))
        return float(base * (0.5 + random.random() / 2))  # jitter spreads out herds of clients


OnRetry = Callable[[Exception], None]
"""Called with each transient failure before the wait that precedes the next try."""


class _Tries:
    """One request's tries under a :class:`RetryPolicy`: waits, and knows when to give up."""

    def __init__(self, policy: RetryPolicy, on_retry: OnRetry | None) -> None:
        self.policy = policy
        self.on_retry = on_retry
        self.count = 0
        self.first_failure: float | None = None
        self.last: Exception | None = None

    def again(self, failure: Exception) -> bool:
        """After a transient failure: wait and say True, or say False (time to give up)."""
        self.count += 1
        self.last = failure
        now = time.monotonic()
        if self.first_failure is None:
            self.first_failure = now
        policy = self.policy
        if policy.max_attempts is not None and self.count >= policy.max_attempts:
            return False
        delay = policy.delay(self.count - 1)
        if policy.patience is not None:
            left = policy.patience - (now - self.first_failure)
            if left <= 0:
                return False
            delay = min(delay, left)
        if self.on_retry is not None:
            self.on_retry(failure)
        time.sleep(delay)
        return True

    @property
    def waited(self) -> float:
        return 0.0 if self.first_failure is None else time.monotonic() - self.first_failure


class Client:
    """One connection pool to one server. Thread-safe (httpx.Client is)."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: Verify = True,
    ) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self.transport = transport
        self.retry = retry or RetryPolicy()
        # One context for httpx and for download(): the same CA bundle and client cert.
        self.ssl_context = httpx.create_ssl_context(verify=verify)
        headers = {"user-agent": f"chroma-sdk/{__version__}"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            verify=self.ssl_context,
        )

    def close(self) -> None:
        self._http.close()

    def check_health(self) -> None:
        """Fail fast, with instructions, when no Chroma server answers at the URL.

        A server that accepts the connection but is slow to answer (a busy machine) is
        there: it is waited for up to the client's timeout, as any request would be, not
        declared absent after the fail-fast deadline.
        """
        started = time.monotonic()
        deadline = started + HEALTH_DEADLINE_S
        per_try = HEALTH_TIMEOUT_S
        last: Exception | None = None
        while True:
            remaining = deadline - time.monotonic()
            try:
                response = self._http.get("/healthz", timeout=max(0.1, min(per_try, remaining)))
            except httpx.ReadTimeout as exc:  # connected, then no answer yet: it is busy
                last = exc
                deadline = max(deadline, started + self.timeout)
                per_try = self.timeout
            except httpx.TransportError as exc:
                _raise_if_untrusted(exc, self.url)
                last = exc
            else:
                if response.status_code == 200:
                    return
                raise ChromaConnectionError(
                    f"The server at {self.url} answered GET /healthz with HTTP "
                    f"{response.status_code}; is it a Chroma server, and is its database up?",
                    where="url",
                )
            if time.monotonic() + 0.25 >= deadline:
                raise ChromaConnectionError(not_running_message(self.url), where="url") from last
            time.sleep(0.25)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        on_retry: OnRetry | None = None,
    ) -> httpx.Response:
        """A complete answer (body read), retried on transient failures; 4xx/5xx raise.

        ``retry`` replaces the client's policy for this request; ``on_retry`` hears of each
        transient failure (the run's sender tells the user it is waiting).
        """
        with self.stream(
            method,
            path,
            params=params,
            content=content,
            headers=headers,
            retry=retry,
            on_retry=on_retry,
            whole=True,
        ) as answer:
            return answer

    @contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        on_retry: OnRetry | None = None,
        whole: bool = False,
    ) -> Iterator[httpx.Response]:
        """A 2xx answer whose body is not read yet; retries happen before the first byte.

        With ``whole``, the body is read inside the tries: a connection lost between an
        answer's headers and the end of its body (a server killed just then) is retried
        like any other lost answer, instead of failing the request.
        """
        tries = _Tries(retry or self.retry, on_retry)
        while True:
            request = self._http.build_request(
                method, path, params=_clean(params), content=content, headers=headers
            )
            response: httpx.Response | None = None
            try:
                response = self._http.send(request, stream=True)
                if whole:
                    response.read()
            except httpx.TransportError as exc:
                if response is not None:
                    response.close()
                _raise_if_untrusted(exc, self.url)
                if tries.again(exc):
                    continue
                break
            try:
                if response.status_code in RETRY_STATUSES:
                    response.read()
                    failure = error_from_response(response)
                else:
                    if response.status_code >= 400:
                        response.read()
                        raise error_from_response(response)
                    yield response
                    return
            finally:
                response.close()
            if not tries.again(failure):
                break
        raise self._gave_up(method, path, tries)

    @contextmanager
    def download(self, path: str, *, params: Params | None = None) -> Iterator[Body]:
        """A 2xx answer to a GET as a binary file, for bulk bodies of hundreds of MB.

        The standard library's client reads each chunk the server writes into one buffer,
        where httpx hands over 64 KiB at a time through a pure-Python parser: ~2x faster
        for a million vectors. It uses the httpx client's TLS context; when the httpx
        client would go through a proxy (``HTTPS_PROXY``, ...; ``NO_PROXY``), the download
        goes through httpx instead. Same retries and errors as :meth:`stream`.
        """
        url = httpx.URL(self.url + path).copy_merge_params(_clean(params) or {})
        # httpx takes no proxy from the environment when it has a transport of its own.
        if self.transport is None and environment_proxy(url) is not None:
            with self.stream("GET", path, params=params) as streamed:
                yield _StreamedBody(streamed)
            return
        target = url.raw_path.decode("ascii")
        tries = _Tries(self.retry, None)
        while True:
            failure: Exception
            if url.scheme == "https":
                connection: HTTPConnection = HTTPSConnection(
                    url.host, url.port, timeout=self.timeout, context=self.ssl_context
                )
            else:
                connection = HTTPConnection(url.host, url.port, timeout=self.timeout)
            try:
                try:
                    # http.client hands over the body as sent: ask for it uncompressed
                    # (httpx's own headers offer gzip/br/zstd, which only httpx decodes).
                    headers = {**dict(self._http.headers), "accept-encoding": "identity"}
                    connection.request("GET", target, headers=headers)
                    response = connection.getresponse()
                except ssl.SSLCertVerificationError as exc:
                    raise _untrusted(exc, self.url) from exc
                except (OSError, HTTPException) as exc:
                    failure = httpx.ConnectError(str(exc)) if _refused(exc) else exc
                else:
                    if response.status >= 400:
                        answer = httpx.Response(
                            response.status, headers=response.getheaders(), content=response.read()
                        )
                        if response.status not in RETRY_STATUSES:
                            raise error_from_response(answer)
                        failure = error_from_response(answer)
                    else:
                        yield response
                        return
            finally:
                connection.close()
            if not tries.again(failure):
                break
        raise self._gave_up("GET", path, tries)

    def _gave_up(self, method: str, path: str, tries: _Tries) -> ChromaConnectionError:
        last = tries.last
        spent = f"{tries.count} attempts over {tries.waited:.0f} s"
        if isinstance(last, httpx.ConnectError):
            message = f"{not_running_message(self.url)} ({method} {path}: {spent})"
        else:
            message = f"{method} {self.url}{path} failed ({spent}); the last failure: {last!r}"
        error = ChromaConnectionError(message, where="url")
        error.__cause__ = last
        return error


def _refused(exc: Exception) -> bool:
    return isinstance(exc, ConnectionRefusedError | ConnectionResetError)


def _untrusted(exc: ssl.SSLCertVerificationError, url: str) -> ChromaConnectionError:
    """A certificate that does not verify now will not on a retry: say how to trust it."""
    return ChromaConnectionError(
        f"The server at {url} sent a TLS certificate that does not verify "
        f"({exc.verify_message or exc.reason}). If it is signed by a private CA, point "
        "SSL_CERT_FILE at that CA's certificate (PEM).",
        where="url",
    )


def _raise_if_untrusted(exc: BaseException, url: str) -> None:
    """Raise :func:`_untrusted` when httpx's error comes from certificate verification."""
    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ssl.SSLCertVerificationError):
            raise _untrusted(cause, url) from exc
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__


class _StreamedRaw(io.RawIOBase):
    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.iter_bytes()
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
            except httpx.TransportError as exc:  # what readers of a download catch
                raise ConnectionError(f"the download broke off: {exc!r}") from exc
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


class _StreamedBody(io.BufferedReader):
    """An httpx response as a :class:`Body` (a buffered read fills what it is asked for)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(_StreamedRaw(response), buffer_size=1 << 20)
        self._headers = response.headers

    @overload
    def getheader(self, name: str) -> str | None: ...

    @overload
    def getheader(self, name: str, default: str) -> str: ...

    def getheader(self, name: str, default: str | None = None) -> str | None:
        value = self._headers.get(name)
        return default if value is None else str(value)


def _clean(params: Params | None) -> dict[str, Any] | None:
    """Drop ``None`` values; booleans as the ``true``/``false`` FastAPI reads."""
    if params is None:
        return None
    out: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        out[name] = ("true" if value else "false") if isinstance(value, bool) else value
    return out


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach a server: opens a :class:`Client` for one piece of work.

    Objects that outlive the call that made them (a :class:`~chroma.Projection`) keep an
    endpoint rather than an open connection.
    """

    url: str
    token: str | None = None
    timeout: float = 60.0
    retry: RetryPolicy = RetryPolicy(max_attempts=3, backoff=0.25)
    transport: httpx.BaseTransport | None = None
    verify: Verify = True

    @classmethod
    def resolve(cls, url: str | None, token: str | None, timeout: float = 60.0) -> Endpoint:
        """From the module-level functions' arguments (``$CHROMA_URL`` etc. as defaults)."""
        return cls(resolve_url(url), resolve_token(token), timeout)

    @classmethod
    def of(cls, client: Client) -> Endpoint:
        return cls(
            client.url,
            client.token,
            client.timeout,
            client.retry,
            client.transport,
            client.ssl_context,
        )

    @contextmanager
    def client(self) -> Iterator[Client]:
        client = Client(
            self.url,
            token=self.token,
            timeout=self.timeout,
            retry=self.retry,
            transport=self.transport,
            verify=self.verify,
        )
        try:
            yield client
        finally:
            client.close()
