"""Test certificates (made with the ``openssl`` CLI) and a small forwarding HTTP proxy."""

from __future__ import annotations

import socket
import socketserver
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Certificates:
    ca: Path
    """The private CA's certificate: what a client must trust."""
    server_cert: Path
    server_key: Path


def make_certificates(folder: Path) -> Certificates:
    """A throwaway CA and a server certificate it signs for 127.0.0.1 and localhost."""
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    cert, key, request = folder / "server.pem", folder / "server.key", folder / "server.csr"
    extensions = folder / "server.ext"
    extensions.write_text(
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature, keyEncipherment\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid, issuer\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for command in (
        ["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2",
         "-subj", "/CN=Chroma test CA",
         "-addext", "basicConstraints = critical, CA:TRUE",
         "-addext", "keyUsage = critical, keyCertSign, cRLSign"],
        ["openssl", "req", *ec, "-keyout", key, "-out", request, "-subj", "/CN=127.0.0.1"],
        ["openssl", "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key,
         "-set_serial", "2", "-days", "2", "-extfile", extensions, "-out", cert],
    ):  # fmt: skip
        subprocess.run([str(part) for part in command], check=True, capture_output=True)
    return Certificates(ca=ca, server_cert=cert, server_key=key)


class ForwardingProxy:
    """An HTTP proxy on 127.0.0.1 that forwards ``CONNECT`` tunnels and absolute-URI requests.

    ``requests`` records each request line it was sent (``CONNECT 127.0.0.1:8443``,
    ``GET http://127.0.0.1:8000/path``). One request per connection: it answers with the
    target's response and closes.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ForwardingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _handle(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(65536)
            if not data:
                return
            head += data
        head, _, rest = head.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ")
        self.requests.append(f"{method} {target}")
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=30) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                _pipe_both_ways(client, upstream)
            return
        parts = urlsplit(target)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        kept = [
            line
            for line in header_lines
            if not line.lower().startswith(("proxy-", "connection:", "keep-alive:"))
        ]
        forwarded = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"])
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=30) as upstream:
            upstream.sendall(forwarded.encode("latin-1") + b"\r\n\r\n" + rest)
            _copy(upstream, client)


def _copy(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:  # the other side went away: nothing left to forward
        pass


def _pipe_both_ways(a: socket.socket, b: socket.socket) -> None:
    back = threading.Thread(target=_copy, args=(b, a), daemon=True)
    back.start()
    _copy(a, b)
    back.join(timeout=30)
