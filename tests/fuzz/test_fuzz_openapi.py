"""Schemathesis against ``/openapi.json`` of a real server, on SQLite and PostgreSQL (issue 14):
every REST operation gets generated requests, valid and invalid by its schema (the ingest
body as garbage bytes sent as an Arrow stream), half of them naming rows of a seeded
project; plus generated Arrow ingest bodies (``fuzz_arrow``). Never a 5xx, every 4xx in the
shared error shape with a ``where``, and a refused request changes no row and no file
(``fuzz_checks``). Derandomized: the same requests every run; ``CHROMA_FUZZ_EXAMPLES``
sets the examples per operation and mode. The counts are printed at the end (``fuzz
counts``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx
import schemathesis
from fuzz_arrow import INGEST_PARAMS, ingest_bodies
from fuzz_checks import (
    EXAMPLES,
    Fuzzer,
    Tally,
    conclude,
    fuzz,
    one_connection_per_request,
    run_examples,
)
from fuzz_seed import Seeds
from fuzz_state import StateWatch
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from live_server import LiveServer

# The ingest body is declared as binary: schemathesis sends the bytes it generates as they are.
schemathesis.serializer.alias(ARROW_STREAM_MEDIA_TYPE, "application/octet-stream")


def borrow(case: Case, data: st.DataObject, seeds: Seeds) -> None:
    """With even odds, give some of the case's parameters and body fields seeded values."""
    if not data.draw(st.booleans(), label="borrow seeded values"):
        return
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name in list(container):
            options = seeds.rest(name)
            if options and data.draw(st.booleans(), label=f"seed {name}"):
                container[name] = data.draw(st.sampled_from(options), label=name)


def describe(case: Case) -> str:
    try:
        return case.as_curl_command()[:600]
    except Exception:  # a curl line is a courtesy: never let it hide the problem
        return f"{case.method} {case.formatted_path} {case.query!r}"[:600]


def test_openapi(
    server: LiveServer,
    seeds: Seeds,
    watch: StateWatch,
    tally: Tally,
    record_property: Callable[[str, object], None],
) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    fuzzer = Fuzzer(tally, watch)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    with one_connection_per_request() as session:

        def send(case: Case, data: st.DataObject) -> None:
            borrow(case, data, seeds)
            response = case.call(base_url=server.url, session=session, timeout=60)
            if case.path == "/graphql":  # its errors ride in a 200
                page = "html" in response.headers.get("content-type", [""])[0]
                check = functools.partial(fuzzer.graphql, page=page)
            else:
                check = fuzzer.rest
            check(describe(case), response.status_code, response.content)

        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run_examples(operation, mode, send)

    conclude(tally, record_property)


def test_arrow_ingest(
    http: httpx.Client,
    seeds: Seeds,
    watch: StateWatch,
    tally: Tally,
    record_property: Callable[[str, object], None],
) -> None:
    fuzzer = Fuzzer(tally, watch)

    @fuzz(EXAMPLES * 8)
    @given(body=ingest_bodies(), params=INGEST_PARAMS)
    def send(body: bytes, params: dict[str, Any]) -> None:
        response = http.post(
            "/api/v1/ingest",
            params=params,
            content=body,
            headers={"content-type": ARROW_STREAM_MEDIA_TYPE},
        )
        request = f"POST /api/v1/ingest {params!r} with {len(body)} bytes {body[:80]!r}"
        fuzzer.rest(request, response.status_code, response.content)

    send()
    conclude(tally, record_property)
