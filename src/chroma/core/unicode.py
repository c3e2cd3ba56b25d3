"""Text no database can store: a lone UTF-16 surrogate (U+D800 to U+DFFF on its own).

JSON's ``"\\ud800"`` escape decodes to one in Python; UTF-8 cannot encode it, so it would
fail deep inside a driver (a 500) instead of being refused where it came in. Every JSON
body (GraphQL variables, REST bodies) is checked once, at the door.
"""

from __future__ import annotations

from typing import Any


def is_storable(text: str) -> bool:
    """Whether ``text`` encodes to UTF-8 (has no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_at(value: Any, path: str) -> str | None:
    """Where in ``value`` (a decoded JSON value) the first unstorable string is, as a dotted
    path from ``path`` (keys and list positions); None when there is none."""
    if isinstance(value, str):
        return None if is_storable(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            if not is_storable(str(key)):
                return path
            found = unstorable_at(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for position, item in enumerate(value):
            if isinstance(item, str | dict | list):
                found = unstorable_at(item, f"{path}.{position}")
                if found is not None:
                    return found
    return None


UNSTORABLE = "text that is not valid Unicode (a lone surrogate, \\ud800 to \\udfff)"
"""What a refusal says (with the place, in ``where``)."""
