"""Pages built from sections of other Markdown files, so each text lives in one place.

A line ``<!-- include ../README.md "## Two commands" -->`` in a page becomes that section
of README.md: its heading and everything up to the next heading of the same or a higher
level (headings inside fenced code do not count). ``body`` after the heading leaves the
heading line out; ``intro`` keeps only the text between the heading and its first
subheading. The path is relative to the page, like a link. Links in the included text
are rewritten to work from the including page. A missing file or heading stops the build.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from _markdown import HEADING, is_external, map_links, prose_lines, retarget
from mkdocs.exceptions import PluginError

DIRECTIVE = re.compile(
    r'^<!--\s*include\s+(?P<path>\S+)\s+"(?P<heading>[^"]+)"(?:\s+(?P<mode>body|intro))?\s*-->$',
    re.MULTILINE,
)


def section(text: str, heading: str, mode: str | None = None) -> str:
    """The section of ``text`` under ``heading`` (written as in the file: ``## Title``)."""
    lines = text.split("\n")
    start = level = None
    end = len(lines)
    for index, prose in prose_lines(lines):
        match = HEADING.match(lines[index]) if prose else None
        if match is None:
            continue
        if start is None:
            if lines[index].strip() == heading.strip():
                start, level = index, len(match.group("hashes"))
        elif mode == "intro" or len(match.group("hashes")) <= level:
            end = index
            break
    if start is None:
        raise KeyError(heading)
    first = start + 1 if mode in ("body", "intro") else start
    return "\n".join(lines[first:end]).strip("\n")


def rebase_links(text: str, source: Path, page: Path) -> str:
    """Rewrite the relative links of ``text``, written in ``source``, to work from ``page``."""

    def rebase(match: re.Match[str]) -> str:
        target = match.group("target")
        if is_external(target):
            return match.group(0)
        path, hashmark, anchor = target.partition("#")
        moved = os.path.relpath(source.parent / path, page.resolve().parent).replace(os.sep, "/")
        if path.endswith("/"):
            moved += "/"
        return retarget(match, moved + hashmark + anchor)

    return map_links(text, rebase)


def expand(markdown: str, page: Path) -> str:
    """``markdown`` (the text of ``page``) with its include lines replaced by the sections."""

    def include(match: re.Match[str]) -> str:
        source = (page.parent / match.group("path")).resolve()
        where = f"{page.name}: include {match.group('path')} {match.group('heading')!r}"
        try:
            text = section(
                source.read_text(encoding="utf-8"), match.group("heading"), match.group("mode")
            )
        except FileNotFoundError:
            raise PluginError(f"{where}: no such file") from None
        except KeyError:
            raise PluginError(f"{where}: no such heading in {source.name}") from None
        return rebase_links(text, source, page)

    return DIRECTIVE.sub(include, markdown)


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    if page.file.abs_src_path is None:  # a generated page includes nothing
        return markdown
    return expand(markdown, Path(page.file.abs_src_path))


def on_serve(server: Any, *, config: Any, builder: Any) -> Any:
    # The README is included but lives outside docs/: rebuild when it changes.
    server.watch(str(Path(config.config_file_path).parent / "README.md"))
    return server
