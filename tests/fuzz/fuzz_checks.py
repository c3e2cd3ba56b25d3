"""What every fuzzed request must get, and the counts a fuzz run reports.

- never a 5xx (in GraphQL: never an error with ``code: internal``, the masked server fault);
- every 4xx in the shared error shape ``{"error": {"code", "message", "where"}}``, ``where``
  naming the culprit; every GraphQL error with ``extensions.code`` and ``where`` (named for
  our own errors; GraphQL's own syntax and validation errors have none to name);
- a refused request (a 4xx, a GraphQL answer with errors) changes no row and no file.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import requests
from fuzz_state import StateWatch, difference
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.control import SkipTest

EXAMPLES = int(os.environ.get("CHROMA_FUZZ_EXAMPLES", "50"))
"""Generated examples per operation and mode; CI uses the default (a fixed seed: the same
requests every run). Raise it for a longer hunt: ``CHROMA_FUZZ_EXAMPLES=500``."""
FUZZ_PROPERTY = "fuzz"
"""The user property carrying a run's counts (conftest prints them at the end)."""
KEEP_PROBLEMS = 25
"""Problems described in a failure message (all of them are counted)."""


@dataclass
class Tally:
    suite: str
    dialect: str
    requests: int = 0
    refused: int = 0
    server_errors: int = 0
    state_changed: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, what: str) -> None:
        self.problem_count += 1
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append(what)

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"{self.suite} on {self.dialect}: {self.requests} requests, {self.refused} refused "
            f"(4xx), {self.server_errors} 5xx, {self.state_changed} state changed "
            f"[HTTP {statuses}]"
        )

    def report(self) -> str:
        lines = [self.summary(), f"{self.problem_count} problems, the first of them:"]
        return "\n".join([*lines, *(f"- {problem}" for problem in self.problems)])


def _json(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def rest_error_problem(content: bytes) -> str | None:
    """Why a 4xx body is not the shared error shape with a ``where``; None when it is."""
    body = _json(content)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(error) != {"code", "message", "where"}:
        return "not the shared error shape"
    if not all(isinstance(error[key], str) and error[key] for key in ("code", "message")):
        return "an error without code or message"
    if not isinstance(error["where"], str) or not error["where"]:
        return "an error without where"
    return None


def graphql_error_problems(content: bytes) -> tuple[bool, list[str]]:
    """(whether the answer carries errors, what is wrong with them)."""
    body = _json(content)
    if not isinstance(body, dict) or not ({"data", "errors"} & set(body)):
        return False, ["a 200 answer that is no GraphQL response"]
    errors = body.get("errors") or []
    problems = []
    for error in errors:
        extensions = error.get("extensions") or {}
        code, where = extensions.get("code"), extensions.get("where", "absent")
        if code == "internal":
            problems.append("a server fault (code internal)")
        elif not code or where == "absent":
            problems.append("an error without code or where")
        elif code != "invalid_query" and not where:
            problems.append(f"a {code} error without where")
    return bool(errors), problems


def fuzz(examples: int = EXAMPLES) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis as the fuzz runs use it: a fixed seed, no example database, no shrinking
    (the test body records problems instead of raising), no deadline."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def run_examples(
    operation: Any, mode: GenerationMode, send: Callable[[Case, st.DataObject], None]
) -> None:
    """``send`` the examples schemathesis generates for ``operation`` in ``mode``."""

    @fuzz()
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Case, data: st.DataObject) -> None:
        send(case, data)

    # an operation without parameters (a field without arguments) has no invalid form
    with contextlib.suppress(Unsatisfiable, SkipTest):
        run()


def one_connection_per_request() -> requests.Session:
    """A session that opens a new connection for every request.

    A pooled connection left idle (re-seeding between operations takes seconds on a busy
    machine) may be closed by the server for idleness just as the next request goes out on
    it, and the client reads that as "closed without response". On a fresh connection,
    only a failing server can drop a request.
    """
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


class Fuzzer:
    """Counts and checks the answers of one fuzz run, reading the state after each."""

    def __init__(self, tally: Tally, watch: StateWatch) -> None:
        self.tally = tally
        self.watch = watch

    def rest(self, request: str, status: int, content: bytes) -> None:
        tally = self.tally
        tally.requests += 1
        tally.statuses[status] += 1
        refused = 400 <= status < 500
        if status >= 500:
            tally.server_errors += 1
            tally.problem(f"{request} -> {status}: {content[:300]!r}")
        elif refused:
            tally.refused += 1
            problem = rest_error_problem(content)
            if problem is not None:
                tally.problem(f"{request} -> {status}, {problem}: {content[:300]!r}")
        self._state(request, status, refused)

    def graphql(self, request: str, status: int, content: bytes, *, page: bool = False) -> None:
        """``page``: the answer is a page (GraphiQL for a GET), not a GraphQL response."""
        tally = self.tally
        if status != 200 or page:
            self.rest(request, status, content)
            return
        tally.requests += 1
        tally.statuses[status] += 1
        refused, problems = graphql_error_problems(content)
        tally.refused += refused
        for problem in problems:
            if "server fault" in problem:
                tally.server_errors += 1
            tally.problem(f"{request} -> {problem}: {content[:300]!r}")
        self._state(request, status, refused)

    def _state(self, request: str, status: int, refused: bool) -> None:
        before, after = self.watch.after_request()
        if refused and before != after:
            self.tally.state_changed += 1
            self.tally.problem(f"{request} -> {status} changed {difference(before, after)}")


def conclude(tally: Tally, record_property: Callable[[str, object], None]) -> None:
    """Record the counts (printed at the end of the session) and fail on any problem."""
    record_property(FUZZ_PROPERTY, tally.summary())
    print(tally.summary())
    assert tally.requests > 0
    assert tally.problem_count == 0, tally.report()
    assert (tally.server_errors, tally.state_changed) == (0, 0), tally.report()
