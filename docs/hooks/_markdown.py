"""Markdown helpers the docs hooks share: links, headings and fenced code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

# [text](target) or ![alt](target), an optional "title" after the target.
LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)"
)
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose_lines(lines: list[str]) -> Iterator[tuple[int, bool]]:
    """(index, is prose) for each line: False inside fenced code and on its fences."""
    fence: str | None = None
    for index, line in enumerate(lines):
        match = FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker == fence:
                fence = None
            yield index, False
        else:
            yield index, fence is None


def map_links(text: str, rewrite: Callable[[re.Match[str]], str]) -> str:
    """Apply ``rewrite`` to every link outside fenced code; it returns the replacement."""
    lines = text.split("\n")
    for index, prose in prose_lines(lines):
        if prose and "](" in lines[index]:
            lines[index] = LINK.sub(rewrite, lines[index])
    return "\n".join(lines)


def retarget(match: re.Match[str], target: str) -> str:
    """The link of ``match`` (from :data:`LINK`) pointing at ``target`` instead."""
    return match.group(0).replace(f"]({match.group('target')}", f"]({target}", 1)


def is_external(target: str) -> bool:
    """A URL with a scheme (https:, mailto:), an anchor on the same page, or a site path."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith(("#", "/"))
