"""``GET /metrics``: Prometheus's text format, behind the same auth as the API.

- ``chroma_http_requests_total{method, route, status}`` and
  ``chroma_http_request_duration_seconds{route}`` (one middleware, outermost, so refused
  requests count too). ``route`` is the route's template (``/api/v1/projections/{id}``),
  never the raw path, so no label takes unbounded values; a path no route takes is
  ``unrouted``.
- ingest rows and bytes, points cache lookups (``core/metrics.py``);
- ``chroma_jobs{kind, state}`` and ``chroma_job_duration_seconds{kind, state}`` read from
  the job table at scrape time (``services/job_stats.py``), so the same on every API
  process whoever ran the jobs;
- the process's own CPU, memory and open files (``process_*``, ``python_*``).

Each API process answers with its own counters: scrape every process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chroma.services.job_stats import job_counts, job_durations
from chroma.services.store import Store

log = logging.getLogger("chroma.metrics")

UNROUTED = "unrouted"
"""The route label of requests no route answered: refused before routing (the request
guard, the auth gate) or a path no route takes."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Other methods (a client may send any token) count as ``other``: bounded labels."""
JOB_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_REQUESTS = Counter(
    "chroma_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "chroma_http_request_duration_seconds",
    "Seconds from a request's arrival to the end of its answer, by route template.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


class JobTableCollector(Collector):
    """Jobs by kind and state, and finished jobs' durations, from the database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "chroma_jobs",
            "Jobs in the job table by kind and state (queued and running: the queue).",
            labels=["kind", "state"],
        )
        durations = HistogramMetricFamily(
            "chroma_job_duration_seconds",
            "Seconds from start to finish of the finished jobs in the job table (jobs "
            "deleted with their project leave it).",
            labels=["kind", "state"],
        )
        up = GaugeMetricFamily(
            "chroma_job_table_up", "1 when the job table could be read for this scrape."
        )
        try:
            counts = job_counts(self.store)
            finished = job_durations(self.store, JOB_BUCKETS)
        except Exception:  # a scrape must answer while the database is away
            log.warning("metrics: the job table could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        for kind, state, n in counts:
            jobs.add_metric([kind, state], n)
        for entry in finished:
            buckets = [
                (_le(bound), float(n)) for bound, n in zip(JOB_BUCKETS, entry.at_most, strict=True)
            ]
            buckets.append(("+Inf", float(entry.count)))
            durations.add_metric([entry.kind, entry.state], buckets, entry.total_seconds)
        up.add_metric([], 1)
        yield from (jobs, durations, up)


def _le(bound: float) -> str:
    return repr(float(bound))


def install_metrics(app: FastAPI, store: Store) -> None:
    """Serve ``GET /metrics`` and count every request (call it last: outermost)."""
    job_registry = CollectorRegistry(auto_describe=False)
    job_registry.register(JobTableCollector(store))
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics(_request: Request) -> Response:
        def _render() -> bytes:
            return generate_latest(REGISTRY) + generate_latest(job_registry)

        return Response(await run_in_threadpool(_render), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
    app.add_middleware(RequestMetrics)


class RequestMetrics:
    """Counts and times each HTTP request by its route's template, as plain ASGI
    middleware (bodies stream through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees when the app raises before answering

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            route = route_template(scope)
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            HTTP_REQUESTS.labels(method, route, str(status)).inc()


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/projections/{id}``), or
    :data:`UNROUTED`.

    FastAPI (0.16x) routes an included router's requests through a context that carries
    the full template, prefix included (``scope["route"]`` is then the router's own route,
    without the prefix); a plain Starlette route has it as ``path_format``.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None)
    if not isinstance(template, str):
        template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) and template else UNROUTED
