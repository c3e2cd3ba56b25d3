"""GraphQL over HTTP for what is not bulk data: jobs, projections, neighbours.

A GraphQL error becomes the matching :class:`~chroma.core.errors.ChromaError`, with the
server's message and ``where`` (``extensions.code`` / ``extensions.where``).
"""

from __future__ import annotations

from typing import Any

import orjson

from chroma.core.errors import ERRORS_BY_CODE, ChromaError
from chroma.sdk._client import Client


def graphql(client: Client, query: str, **variables: Any) -> dict[str, Any]:
    """``data`` of one GraphQL request; its first error raised as a :class:`ChromaError`."""
    body = orjson.dumps({"query": query, "variables": variables}, option=orjson.OPT_SERIALIZE_NUMPY)
    response = client.request(
        "POST", "/graphql", content=body, headers={"content-type": "application/json"}
    )
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise ChromaError(
            f"the server answered /graphql with something that is not JSON: {response.text[:200]!r}"
        ) from exc
    errors = answer.get("errors")
    if errors:
        raise _error(errors[0])
    return dict(answer["data"])


def _error(error: dict[str, Any]) -> ChromaError:
    extensions = error.get("extensions") or {}
    code, where = extensions.get("code"), extensions.get("where")
    message = str(error.get("message", "unknown error"))
    if code == "invalid_query":
        message = f"the server did not understand the SDK's request (an older server?): {message}"
    cls = ERRORS_BY_CODE.get(str(code), ChromaError)
    return cls(message, where=None if where is None else str(where))
