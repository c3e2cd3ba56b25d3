"""Parsed documents kept between requests.

The UI and the SDK send a few documents over and over; parsing and validating one cost
more than resolving a ``neighbors`` query (about 2 ms of 3 for the smallest request here).
Strawberry's own ``ParserCache`` parses inside the extension hook, where a parse error
escapes the error handling that turns the token limit into our refusal (``limits.py``);
this one only remembers what Strawberry parsed successfully, so every failure takes the
usual path. Strawberry's ``ValidationCache`` then reuses the validation of the same
document object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

from chroma.core.lru import Lru

MAX_DOCUMENTS = 128
"""Documents kept (least recently used dropped first): each is at most the token limit."""

_documents: Lru[tuple[str, str], DocumentNode] = Lru(MAX_DOCUMENTS)


def _key(query: str, parse_options: Mapping[str, Any]) -> tuple[str, str]:
    # The options (the token limit among them) are part of the key: a document is only
    # reused under the options it was parsed with.
    return query, repr(sorted(parse_options.items()))


class DocumentCache(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        key = _key(context.query, context.parse_options) if context.query else None
        found = _documents.get(key) if key is not None else None
        if found is not None:
            context.graphql_document = found
        yield
        if key is not None and context.graphql_document is not None:
            _documents.put(key, context.graphql_document)
