"""The decisions section: an index page of every ADR and their place in the navigation.

Both come from the files in docs/adr/ (NNNN-title.md, titled by their first heading), so a
new ADR shows up without editing mkdocs.yml: the nav entry ``adr/*.md`` stands for
adr/index.md followed by every ADR in number order.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.structure.files import File

PLACEHOLDER = "adr/*.md"
INDEX = "adr/index.md"
ADR = re.compile(r"^adr/\d{4}-[^/]+\.md$")


def title(file: Any) -> str:
    for line in file.content_string.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return file.src_uri


def expand_nav(nav: Any, adrs: list[str]) -> Any:
    if nav == PLACEHOLDER:
        return [INDEX, *adrs]
    if isinstance(nav, list):
        return [expand_nav(item, adrs) for item in nav]
    if isinstance(nav, dict):
        return {key: expand_nav(value, adrs) for key, value in nav.items()}
    return nav


def on_files(files: Any, *, config: Any) -> Any:
    adrs = sorted(
        (f for f in files.documentation_pages() if ADR.match(f.src_uri)), key=lambda f: f.src_uri
    )
    lines = ["# Architecture decisions", ""]
    lines += [
        "Why Chroma is built the way it is, one decision per record, newest last; the",
        "overview is the [architecture](../architecture.md) page.",
        "",
    ]
    lines += [f"- [{title(f)}]({f.src_uri.removeprefix('adr/')})" for f in adrs]
    files.append(File.generated(config, INDEX, content="\n".join(lines) + "\n"))
    config.nav = expand_nav(config.nav, [f.src_uri for f in adrs])
    return files
