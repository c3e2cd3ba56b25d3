"""``GET /metrics`` (issue 13, item 5) through a live server on both databases: requests
counted by route template and status, ingest rows and bytes, the points cache, the job
table's queue and durations, and the same auth as the API."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chroma.db.models import Job, utcnow
from chroma.db.store import Store
from chroma.settings import Settings
from live_server import LiveServer
from projection_helpers import computed_projection, ingest, queue_wait_job, vectors

TOKEN = "metrics-token-0123456789"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(http: httpx.Client, **headers: str) -> Samples:
    response = http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_ingest_and_points_cache_are_counted(http: httpx.Client) -> None:
    before = scrape(http)
    answer = ingest(http, [f"k{i}" for i in range(30)], vectors(30))
    assert answer["inserted"] == 30
    ingest(http, ["k0", "k1"], vectors(2, seed=3))  # two updated
    projection = computed_projection(http)
    for _ in range(2):  # a miss, then a hit
        points = http.get("/api/v1/points", params={"projection": projection})
        assert points.status_code == 200
    for datapoint in (123456, 654321):  # no such datapoints: two 404s, one template
        assert http.get(f"/api/v1/datapoints/{datapoint}/text").status_code == 404
    after = scrape(http)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "chroma_http_requests_total"
    assert moved(requests, method="POST", route="/api/v1/ingest", status="200") == 2
    assert moved(requests, method="GET", route="/api/v1/points", status="200") == 2
    assert moved(requests, method="GET", route="/metrics", status="200") == 1
    latency = "chroma_http_request_duration_seconds_count"
    assert moved(latency, route="/api/v1/points") == 2
    text = "/api/v1/datapoints/{datapoint_id}/text"
    assert moved(requests, method="GET", route=text, status="404") == 2
    routes = {dict(labels).get("route") for _, labels in after if dict(labels).get("route")}
    assert not any("123456" in str(route) for route in routes), routes  # templates only
    assert moved("chroma_ingest_rows_total", outcome="inserted") == 30
    assert moved("chroma_ingest_rows_total", outcome="updated") == 2
    assert moved("chroma_ingest_bytes_total") > 30 * 8 * 4
    assert moved("chroma_points_cache_lookups_total", result="miss") == 1
    assert moved("chroma_points_cache_lookups_total", result="hit") == 1
    assert value(after, "process_resident_memory_bytes") > 0


def test_the_job_queue_and_durations_come_from_the_job_table(
    http: httpx.Client, store: Store
) -> None:
    queue_wait_job(store, 1.0, delay_seconds=3600)  # stays queued for this test
    now = utcnow()
    with store.write() as session:
        for seconds, state in ((2.0, "succeeded"), (30.0, "succeeded"), (600.0, "failed")):
            session.add(
                Job(
                    kind="projection.compute",
                    state=state,
                    started_at=now - timedelta(seconds=seconds),
                    finished_at=now,
                )
            )

    samples = scrape(http)

    assert value(samples, "chroma_jobs", kind="system.wait", state="queued") == 1
    assert value(samples, "chroma_jobs", kind="projection.compute", state="succeeded") == 2
    assert value(samples, "chroma_job_table_up") == 1
    done = {"kind": "projection.compute", "state": "succeeded"}
    histogram = "chroma_job_duration_seconds"
    assert value(samples, f"{histogram}_count", **done) == 2
    assert value(samples, f"{histogram}_sum", **done) == pytest.approx(32.0, abs=0.1)
    assert value(samples, f"{histogram}_bucket", le="1.0", **done) == 0
    assert value(samples, f"{histogram}_bucket", le="5.0", **done) == 1
    assert value(samples, f"{histogram}_bucket", le="60.0", **done) == 2
    assert value(samples, f"{histogram}_bucket", le="+Inf", **done) == 2
    failed = {"kind": "projection.compute", "state": "failed"}
    assert value(samples, f"{histogram}_bucket", le="300.0", **failed) == 0
    assert value(samples, f"{histogram}_bucket", le="900.0", **failed) == 1


class TestWithAuth:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"auth_token": TOKEN})

    def test_metrics_need_a_token_and_refusals_are_counted(
        self, server: LiveServer, http: httpx.Client
    ) -> None:
        signed = {"authorization": f"Bearer {TOKEN}"}
        before = scrape(http, **signed)
        refused = http.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["where"] == "authorization"
        assert http.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 401

        after = scrape(http, **signed)

        # Refused before routing: counted, under no path of the client's choosing.
        refusals = {"method": "GET", "route": "unrouted", "status": "401"}
        requests = "chroma_http_requests_total"
        assert value(after, requests, **refusals) - value(before, requests, **refusals) == 2
