"""Which proxy the SDK's httpx client takes to a URL, from the environment.

httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` (any case, via
:func:`urllib.request.getproxies`) when it trusts the environment, as the SDK's client does.
:meth:`chroma.sdk._client.Client.download` talks to the server with the standard library
instead, so it asks :func:`environment_proxy` whether httpx would go through a proxy for
its URL. These are httpx's rules (``httpx._utils.get_environment_proxies`` and its URL
patterns, most specific first), restated with public pieces only;
``tests/sdk/test_sdk_download_network.py`` holds the two to the same answers.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.request import getproxies

import httpx

__all__ = ["environment_proxy"]


def environment_proxy(url: httpx.URL) -> httpx.URL | None:
    """The proxy httpx would use for ``url`` with ``trust_env=True``; None: a direct connection."""
    found = getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            address = found[scheme]
            mounts[f"{scheme}://"] = address if "://" in address else f"http://{address}"
    for entry in (part.strip() for part in found.get("no", "").split(",")):
        if entry == "*":
            return None
        if entry:
            mounts[_no_proxy_key(entry)] = None
    patterns = sorted(((_Pattern.parse(key), proxy) for key, proxy in mounts.items()), key=_rank)
    for pattern, proxy in patterns:
        if pattern.matches(url):
            return None if proxy is None else httpx.URL(proxy)
    return None


def _no_proxy_key(entry: str) -> str:
    """A ``NO_PROXY`` entry as a URL pattern, the curl way (``example.com`` takes subdomains)."""
    if "://" in entry:
        return entry
    address = entry.split("/")[0]
    if _is_ip(address, ipaddress.IPv4Address) or entry.lower() == "localhost":
        return f"all://{entry}"
    if _is_ip(address, ipaddress.IPv6Address):
        return f"all://[{entry}]"
    return f"all://*{entry}"


def _is_ip(text: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Pattern:
    """``scheme://host:port`` where the scheme may be ``all`` and the host start with ``*``."""

    scheme: str
    host: str
    port: int | None
    host_regex: re.Pattern[str] | None

    @classmethod
    def parse(cls, pattern: str) -> _Pattern:
        url = httpx.URL(pattern)
        host = "" if url.host == "*" else url.host
        regex = None
        if host.startswith("*."):  # subdomains only
            regex = re.compile(rf"^.+\.{re.escape(host[2:])}$")
        elif host.startswith("*"):  # the domain and its subdomains
            regex = re.compile(rf"^(.+\.)?{re.escape(host[1:])}$")
        elif host:
            regex = re.compile(rf"^{re.escape(host)}$")
        return cls("" if url.scheme == "all" else url.scheme, host, url.port, regex)

    def matches(self, url: httpx.URL) -> bool:
        if self.scheme and self.scheme != url.scheme:
            return False
        if self.host_regex is not None and not self.host_regex.match(url.host):
            return False
        return self.port is None or self.port == url.port


def _rank(item: tuple[_Pattern, str | None]) -> tuple[int, int, int]:
    """Most specific first: a port, then the longer host, then the longer scheme."""
    pattern = item[0]
    return (0 if pattern.port is not None else 1, -len(pattern.host), -len(pattern.scheme))
