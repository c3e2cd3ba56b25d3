"""Our errors as GraphQL errors: ``message`` says what, ``extensions`` say ``code`` and ``where``.

::

    {"message": "no project named 'x'", "path": ["project"],
     "extensions": {"code": "not_found", "where": "project"}}

A :class:`ChromaError` raised by a service keeps its message, code and ``where``. Any other
exception is a bug: the client gets ``code: internal`` and no internals, the log gets the
traceback. Errors GraphQL itself finds (syntax, unknown field, wrong argument type) keep
their message and get ``code: invalid_query``.

No message quotes much of the request: graphql-core quotes what it could not read (a
name, a literal, a variable's value) and our messages name the value at fault, so long
quoted values are cut and every message is kept short (:func:`without_echo`); a request
of megabytes is never sent back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from chroma.core.errors import ChromaError

INTERNAL_MESSAGE = "internal server error (the server log has the details)"
MAX_QUOTED = 80
MAX_MESSAGE = 1000
_LONG_QUOTED = re.compile(rf"'[^'\n]{{{MAX_QUOTED},}}'|\"[^\"\n]{{{MAX_QUOTED},}}\"")


def without_echo(message: str) -> str:
    """``message`` with quoted values longer than :data:`MAX_QUOTED` cut, at most
    :data:`MAX_MESSAGE` characters in all."""

    def cut(quoted: re.Match[str]) -> str:
        text = quoted.group()
        return f"{text[: MAX_QUOTED // 2]}…{text[-1]} ({len(text) - 2:,} characters)"

    short = _LONG_QUOTED.sub(cut, message)
    return short if len(short) <= MAX_MESSAGE else f"{short[:MAX_MESSAGE]}… (cut)"


def is_server_fault(error: GraphQLError) -> bool:
    """A resolver failed with something other than our errors: a bug, for the error log.

    Errors without a ``path`` come from reading the request (parsing, validation, variable
    coercion), before any resolver ran: the client's mistake, whatever their cause.
    """
    original = error.original_error
    return (
        error.path is not None
        and original is not None
        and not isinstance(original, ChromaError | GraphQLError)
    )


def describe(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, ChromaError):
        message = original.message
        extensions = {"code": original.code, "where": original.where}
    elif is_server_fault(error):
        message, extensions = INTERNAL_MESSAGE, {"code": "internal", "where": None}
    else:
        message = error.message
        extensions = {"code": "invalid_query", "where": None, **(error.extensions or {})}
    return GraphQLError(
        without_echo(message),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions=extensions,
    )


class DescribeErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [describe(error) for error in result.errors]
