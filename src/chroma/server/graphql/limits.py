"""What one ``/graphql`` request may ask for, checked before it costs anything.

In the order a request meets them (the settings are ``CHROMA_GRAPHQL_*``):

1. **Body size** (``max_body_bytes``): a longer ``Content-Length`` is refused before a byte
   is read, a body without one is cut off as soon as it passes the limit. HTTP 413 in the
   REST error shape (``{"error": {"code": "payload_too_large", "where": "body"}}``): such a
   body is never parsed, so there is no GraphQL request to answer.
2. **Tokens** (``max_tokens``): the parser stops there.
3. **Depth, aliases, cost** (``max_depth``, ``max_aliases``, ``max_aliases_per_field``,
   ``max_cost``): measured on the parsed, validated document with the variables sent
   (``cost.py``), before any resolver runs.

2 and 3 answer as GraphQL errors (HTTP 200, ``data: null``) with ``extensions.code``
``payload_too_large`` and ``where: "query"``, the message naming the limit, its setting and
what the request would take. Then, while the request runs, ``request_concurrency`` bounds
the database sessions it holds at once (``offload.bounded``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from chroma.core.errors import InvalidInput, PayloadTooLarge
from chroma.core.unicode import UNSTORABLE, unstorable_at
from chroma.server.errors import error_response
from chroma.server.graphql import offload
from chroma.server.graphql.cost import Measure, measure
from chroma.server.graphql.errors import without_echo
from chroma.settings import Settings

MAX_ALIAS_LENGTH = 100
"""Characters of one alias: response keys are echoed in the answer's ``data``."""
_TOKEN_LIMIT_ERROR = "Syntax Error: Document contains more than"


@dataclass(frozen=True)
class GraphQLLimits:
    max_body_bytes: int
    max_tokens: int
    max_depth: int
    max_aliases: int
    max_aliases_per_field: int
    max_cost: int
    request_concurrency: int

    @classmethod
    def of(cls, settings: Settings) -> GraphQLLimits:
        return cls(
            max_body_bytes=settings.graphql_max_body_bytes,
            max_tokens=settings.graphql_max_tokens,
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_aliases_per_field=settings.graphql_max_aliases_per_field,
            max_cost=settings.graphql_max_cost,
            request_concurrency=settings.graphql_request_concurrency,
        )

    def refusal(self, found: Measure) -> PayloadTooLarge | None:
        """Why a request that measures ``found`` may not run; None when it may."""
        if found.depth > self.max_depth:
            return _refused(
                f"the query nests fields more than {self.max_depth} deep (at "
                f"{_cut(found.deepest)}), the limit (CHROMA_GRAPHQL_MAX_DEPTH)"
            )
        if found.longest_alias > MAX_ALIAS_LENGTH:
            return _refused(
                f"an alias of {found.longest_alias:,} characters, over the limit of "
                f"{MAX_ALIAS_LENGTH} (aliases come back as keys of the answer)"
            )
        if found.aliases > self.max_aliases:
            return _refused(
                f"the query has {found.aliases:,} aliases (fragments counted where they are "
                f"spread), over the limit of {self.max_aliases} (CHROMA_GRAPHQL_MAX_ALIASES)"
            )
        for coordinate, count in sorted(found.aliases_by_field.items()):
            if count > self.max_aliases_per_field:
                return _refused(
                    f"the query asks for {coordinate} under {count:,} aliases, over the limit "
                    f"of {self.max_aliases_per_field} per field "
                    "(CHROMA_GRAPHQL_MAX_ALIASES_PER_FIELD)"
                )
        if found.cost > self.max_cost:
            heaviest = sorted(found.cost_by_root.items(), key=lambda kv: -kv[1])[:3]
            parts = ", ".join(f"{_cut(key)}: {cost:,}" for key, cost in heaviest)
            return _refused(
                f"this request would cost {found.cost:,}, over the budget of "
                f"{self.max_cost:,} per request (CHROMA_GRAPHQL_MAX_COST); the most: {parts}. "
                "Ask for smaller pages (first, k, limit), fewer fields or fewer aliases, or "
                "split the request (docs/graphql.md, Limits)"
            )
        return None


def _refused(message: str) -> PayloadTooLarge:
    return PayloadTooLarge(message, where="query")


def _cut(text: str, length: int = 120) -> str:
    return text if len(text) <= length else f"{text[:length]}…"


class RequestLimits(SchemaExtension):
    """Enforces :class:`GraphQLLimits` (from the request's context) on every operation."""

    def _limits(self) -> GraphQLLimits:
        limits: GraphQLLimits = self.execution_context.context.limits
        return limits

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self._limits().max_tokens
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [self._token_limit(error) for error in result.errors]

    def _token_limit(self, error: GraphQLError) -> GraphQLError:
        if not error.message.startswith(_TOKEN_LIMIT_ERROR):
            return error
        limit = self._limits().max_tokens
        refusal = _refused(
            f"the query has more than {limit:,} tokens, the limit "
            "(CHROMA_GRAPHQL_MAX_TOKENS); send long values (vectors, id lists) as variables"
        )
        return GraphQLError(refusal.message, original_error=refusal)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        limits = self._limits()
        assert context.graphql_document is not None  # validated already
        # (A lone surrogate in the document itself is a syntax error already.)
        unstorable = unstorable_at(context.variables or {}, "variables")
        if unstorable is not None:
            refused = InvalidInput(UNSTORABLE, where=unstorable)
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(refused.message, original_error=refused)]
            )
            yield
            return
        found = measure(
            context.schema._schema,
            context.graphql_document,
            context.operation_name,
            context.variables,
            max_depth=limits.max_depth,
        )
        refusal = limits.refusal(found) if found is not None else None
        if refusal is not None:
            # A result set here is the answer: Strawberry runs nothing.
            error = GraphQLError(refusal.message, original_error=refusal)
            context.result = ExecutionResult(data=None, errors=[error])
            yield
            return
        with offload.bounded(limits.request_concurrency):
            yield


def body_limited_route(max_bytes: int) -> type[APIRoute]:
    """The route class of ``/graphql``: its request body is read at most to ``max_bytes``
    (else :class:`PayloadTooLarge`, a 413), and Strawberry's plain-text refusals (a body
    that is no GraphQL request) answer in the shared error shape, quoting at most a little
    of the request."""

    class BodyLimitedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handle = super().get_route_handler()

            async def limited(request: Request) -> Response:
                response = await handle(_LimitedBody(request.scope, request.receive, max_bytes))
                if isinstance(response, PlainTextResponse) and response.status_code >= 400:
                    return _in_error_shape(request.method, response)
                return response

            return limited

    return BodyLimitedRoute


_REFUSAL_CODES = {400: "invalid_input", 404: "not_found", 405: "method_not_allowed"}


def _in_error_shape(method: str, refusal: PlainTextResponse) -> Response:
    """Strawberry's plain-text refusal of a request that is no GraphQL request at all (no
    JSON, no ``query``, ``variables`` not an object, an unknown ``operationName``) in the
    shared error shape, quoting at most a little of the request."""
    text = without_echo(bytes(refusal.body).decode(errors="replace"))
    code = _REFUSAL_CODES.get(refusal.status_code, "http_error")
    return error_response(refusal.status_code, code, text, "query" if method == "GET" else "body")


class _LimitedBody(Request):
    def __init__(self, scope: Any, receive: Any, max_bytes: int) -> None:
        super().__init__(scope, receive)
        self.max_bytes = max_bytes

    async def stream(self) -> AsyncGenerator[bytes, None]:
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(f"the body is {int(declared):,} bytes")
        received = 0
        async for chunk in super().stream():
            received += len(chunk)
            if received > self.max_bytes:
                raise self._too_large("the body is longer")
            yield chunk

    def _too_large(self, found: str) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"{found}: /graphql takes at most {self.max_bytes:,} bytes "
            "(CHROMA_GRAPHQL_MAX_BODY_BYTES); send long lists in several requests",
            where="body",
        )
