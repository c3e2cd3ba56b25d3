"""The team deployment of deploy/compose.yaml, run as plain processes on this machine.

Its migration, two API processes and two ``chroma worker``s run with exactly the commands
and settings of the compose file (``compose_recipe`` changes only hosts, ports and volume
paths), on one scratch PostgreSQL database and this test run's Redis database. Each has a
data dir of its own (its compose volume); they share only PostgreSQL, the broker and the
artifact store: the compose file's volume, or (the second run) an S3 bucket in place of it,
so that no two processes share a folder at all. Rows are logged through API 1 with its
auth token; the map and the neighbour index are computed by the workers; the map's points,
a datapoint's neighbours and an image are read through API 2.

Printed (``pytest -s``): the ingest rate through the API and the time from the last
acknowledged batch to a ready map computed on a worker.
"""

from __future__ import annotations

import io
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import numpy as np
import pytest
from compose_recipe import BareMachine, Process, Recipe, clean_environment
from PIL import Image
from scipy.spatial import cKDTree
from sqlalchemy import select

import chroma
from chroma.db.models import Job
from chroma.db.store import Store
from chroma.services.jobs import JobRecord
from live_server import free_port
from object_store import s3_bucket
from waiting import wait_healthy, wait_until

pytestmark = pytest.mark.slow  # two servers, two workers, a broker: out of `make test-fast`

TOKEN = "deploy-test-admin-token-0123456789"
PROJECT, DATASET, SPACE = "deploy", "train", "encoder"
ROWS, DIM, CLUSTERS, IMAGES = 3_000, 32, 10, 8
BATCH = 500
RATE_ROWS, RATE_BATCH = 20_000, 2_000
MAP_TIMEOUT = 180.0  # a guard against a map that never comes, not a timing
INDEX_KINDS = ("neighbours.build", "neighbours.update")  # a first update builds the index


class Running:
    """A compose service's process, its output in a log file; stopped with SIGTERM (what
    ``docker compose stop`` sends), killed if it lingers."""

    def __init__(self, process: Process, log_dir: Path) -> None:
        self.spec = process
        self.log_path = log_dir / f"{process.service}.log"
        with self.log_path.open("wb") as sink:
            self.popen = subprocess.Popen(
                process.argv,
                env={**clean_environment(), **process.env},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    @property
    def worker_column(self) -> str:
        """What the job table's ``worker`` column says for a job run by this process."""
        return f"{socket.gethostname()}:{self.popen.pid}"

    def log(self) -> str:
        return f"--- {self.spec.service}: {self.spec.shown()}\n" + self.log_path.read_text(
            errors="replace"
        )

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def clustered(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    centres = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32) * 6
    labels = np.arange(ROWS) % CLUSTERS
    vectors = centres[labels] + rng.standard_normal((ROWS, DIM)).astype(np.float32)
    return vectors.astype(np.float32), labels


def exact_neighbours(vectors: np.ndarray, row: int, k: int) -> list[int]:
    """Rows nearest to ``row`` by cosine distance (the space's metric), itself left out."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    distance = 1 - unit @ unit[row]
    distance[row] = np.inf
    return [int(i) for i in np.argsort(distance, kind="stable")[:k]]


@pytest.fixture(params=["volume", "s3"])
def artifacts(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """How the artifact store is given: the compose file's own volume (no change), or an
    S3 bucket (``CHROMA_ARTIFACT_STORE`` and the ``AWS_*`` variables a team would set)."""
    if request.param == "volume":
        yield {}
        return
    with s3_bucket() as bucket:
        yield {"CHROMA_ARTIFACT_STORE": bucket.url, **bucket.env}


@pytest.fixture
def deployment(
    store: Store, redis_broker: str, artifacts: dict[str, str], tmp_path: Path
) -> Iterator[dict[str, Running]]:
    """The compose file's Chroma services on this test's PostgreSQL database (migrated and
    emptied by the ``store`` fixture) and Redis database, with ``artifacts`` laid over their
    settings; stopped when the test ends."""
    assert not store.is_sqlite
    recipe = Recipe()
    volumes = tmp_path / "volumes"
    machine = BareMachine(
        variables={"POSTGRES_PASSWORD": "not-used-here", "CHROMA_AUTH_TOKEN": TOKEN},
        endpoints={"postgres": store.settings.resolved_database_url, "redis": redis_broker},
        volumes=volumes,
        ports={"api-1": free_port(), "api-2": free_port()},
        executables={"chroma": _chroma_executable()},
    )
    assert set(recipe.chroma_services()) == {"migrate", "api-1", "api-2", "worker-1", "worker-2"}
    processes = {name: recipe.process(name, machine) for name in recipe.chroma_services()}
    for process in processes.values():
        process.env.update(artifacts)
    data_dirs = {p.env["CHROMA_DATA_DIR"] for p in processes.values() if p.service != "migrate"}
    assert len(data_dirs) == 4, f"each API and worker needs a data dir of its own: {data_dirs}"
    stores = {p.env.get("CHROMA_ARTIFACT_STORE") for p in processes.values()}
    assert None not in stores, "every API and worker names the artifact store"
    assert len(stores) == 1, f"one artifact store for all: {stores}"
    for volume in recipe.document["volumes"]:
        (volumes / volume).mkdir(parents=True)
    logs = tmp_path / "logs"
    logs.mkdir()

    migrate = processes.pop("migrate")
    done = subprocess.run(
        migrate.argv,
        env={**clean_environment(), **migrate.env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{migrate.shown()}\n{done.stdout}{done.stderr}"

    with ExitStack() as stack:
        running: dict[str, Running] = {}
        for name in ("worker-1", "worker-2", "api-1", "api-2"):
            running[name] = Running(processes[name], logs)
            stack.callback(running[name].stop)
        try:
            for name in ("api-1", "api-2"):
                url = f"http://127.0.0.1:{machine.ports[name]}"
                wait_healthy(url, running[name].popen, running[name].log, timeout=120)
            for name in ("worker-1", "worker-2"):
                assert running[name].popen.poll() is None, running[name].log()
            yield running
        except BaseException:
            for process in running.values():
                print(process.log())
            raise


def _chroma_executable() -> str:
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.exists() else shutil.which("chroma")
    assert found, "the chroma command is not installed"
    return found


def _url(process: Running) -> str:
    return f"http://127.0.0.1:{process.spec.env['CHROMA_PORT']}"


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_log_through_one_api_compute_on_workers_read_through_the_other(
    deployment: dict[str, Running], artifacts: dict[str, str], store: Store, tmp_path: Path
) -> None:
    api_1, api_2 = _url(deployment["api-1"]), _url(deployment["api-2"])
    headers = {"Authorization": f"Bearer {TOKEN}"}
    query = {"query": "{ __typename }"}
    assert httpx.post(f"{api_2}/graphql", json=query).status_code == 401, "auth is off"
    assert httpx.post(f"{api_2}/graphql", json=query, headers=headers).status_code == 200

    rng = np.random.default_rng(13)
    vectors, labels = clustered(rng)
    keys = [f"p-{i}" for i in range(ROWS)]
    pictures = [rng.integers(0, 256, (8, 8), dtype=np.uint8) for _ in range(IMAGES)]
    images: list[np.ndarray | None] = [*pictures, *([None] * (ROWS - IMAGES))]

    # Log through API 1 only.
    with chroma.init(
        PROJECT, DATASET, SPACE, url=api_1, token=TOKEN, batch_size=BATCH, spool=tmp_path / "spool"
    ) as run:
        started = time.perf_counter()
        for first in range(0, ROWS, BATCH):
            rows = slice(first, first + BATCH)
            run.log(vectors[rows], ids=keys[rows], labels=labels[rows], images=images[rows])
        run.flush()
        flushed = time.perf_counter()
    ingest_rate = ROWS / (flushed - started)

    # The first map comes by itself (the run's close asked for it); read it through API 2.
    ready: list[chroma.Projection] = []

    def map_ready() -> bool:
        ready[:] = [
            p
            for p in chroma.projections(PROJECT, SPACE, url=api_2, token=TOKEN)
            if p.state == "ready"
        ]
        return bool(ready)

    wait_until(map_ready, "a ready map, read through API 2", timeout=MAP_TIMEOUT, poll=0.25)
    map_seconds = time.perf_counter() - flushed

    # Computed on the workers: every job that ran names one of them, none an API process.
    workers = {deployment[name].worker_column for name in ("worker-1", "worker-2")}
    with store.read() as session:
        jobs = [JobRecord.of(row) for row in session.scalars(select(Job).order_by(Job.id))]
    ran = [job for job in jobs if job.worker is not None]
    assert {job.worker for job in ran} <= workers, f"jobs ran outside the workers: {jobs}"
    assert any(j.kind == "projection.compute" and j.state == "succeeded" for j in ran), jobs

    # The map's points through API 2: every datapoint, labelled as logged, clusters apart.
    table = chroma.read_datapoints(PROJECT, url=api_2, token=TOKEN)
    assert len(table) == ROWS
    key_of = dict(zip(table.datapoint_id, table.key, strict=True))
    points = ready[0].points(columns=["label"])
    assert len(points) == ROWS
    assert np.isfinite(points[["x", "y"]].to_numpy()).all()
    row_of = {key: i for i, key in enumerate(keys)}
    rows = np.array([row_of[key_of[i]] for i in points.id])
    assert (points.label.astype(str).to_numpy() == labels[rows].astype(str)).all()
    xy = points[["x", "y"]].to_numpy()
    nearest_on_map = cKDTree(xy).query(xy, k=2)[1][:, 1]
    same_label = (labels[rows][nearest_on_map] == labels[rows]).mean()
    assert same_label > 0.9, f"the map mixes the clusters: {same_label:.2f}"

    # Neighbours through API 2, from the index a worker built into the artifact store (the
    # one volume they share), not into a data dir of its own.
    def indexed() -> bool:
        with store.read() as session:
            kinds = session.execute(select(Job.kind, Job.state, Job.worker)).all()
        built = [w for kind, state, w in kinds if kind in INDEX_KINDS and state == "succeeded"]
        assert set(built) <= workers, kinds
        return bool(built)

    wait_until(indexed, "the neighbour index, built on a worker", timeout=120, poll=0.25)
    volumes = tmp_path / "volumes"
    in_store = _indexes_in_store(artifacts, volumes / "artifacts")
    assert any(name.endswith(".hnsw") for name in in_store), "no index in the artifact store"
    if not artifacts:
        for name in ("api-1", "api-2", "worker-1", "worker-2"):
            assert not list((volumes / f"{name}-cache").rglob("*.hnsw")), f"{name} kept one"
    k = 5
    found = chroma.nearest(
        PROJECT, SPACE, key=keys[0], dataset=DATASET, k=k, url=api_2, token=TOKEN
    )
    expected = [keys[i] for i in exact_neighbours(vectors, 0, k)]
    assert len(found) == k
    assert len(set(found.key) & set(expected)) >= k - 1, (list(found.key), expected)
    assert (found.label == str(labels[0])).all()
    if artifacts:  # API 2 downloaded the index it answered from, into its own cache
        cached = {p.name for p in (volumes / "api-2-cache").rglob("*.hnsw")}
        assert cached, "API 2 answered without the index"
        assert cached <= set(_indexes_in_store(artifacts, volumes / "artifacts"))

    # An image and a thumbnail through API 2, as logged through API 1.
    with_image = table[table.has_image]
    assert sorted(with_image.key) == sorted(keys[:IMAGES])
    datapoint = int(with_image[with_image.key == keys[3]].datapoint_id.iloc[0])
    with httpx.Client(base_url=api_2, headers=headers, timeout=60) as http:
        full = http.get(f"/api/v1/datapoints/{datapoint}/image")
        assert full.status_code == 200, full.text
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(full.content))), pictures[3])
        thumb = http.get(f"/api/v1/datapoints/{datapoint}/thumbnail", params={"size": 64})
        assert thumb.status_code == 200, thumb.text
        assert Image.open(io.BytesIO(thumb.content)).size == (64, 64)

    both_rate = ingest_through_both(api_1, api_2, rng, tmp_path)
    print(
        f"\ndeploy topology: ingest {ingest_rate:,.0f} rows/s through API 1 ({ROWS} x {DIM}, "
        f"batches of {BATCH}, {IMAGES} images); {both_rate:,.0f} rows/s through both APIs at "
        f"once ({2 * RATE_ROWS} x {DIM}, batches of {RATE_BATCH}); map ready "
        f"{map_seconds:.1f} s after the last batch, computed on worker "
        f"{', '.join(sorted({j.worker for j in ran if j.kind == 'projection.compute'}))}; "
        f"artifact store: {'S3' if artifacts else 'a shared volume'}"
    )


def _indexes_in_store(artifacts: dict[str, str], volume: Path) -> list[str]:
    """Names of the index files in the artifact store: the volume's, or the bucket's."""
    if not artifacts:
        return [path.name for path in volume.rglob("*") if path.is_file()]
    import boto3

    url = artifacts["CHROMA_ARTIFACT_STORE"].removeprefix("s3://")
    bucket, _, prefix = url.partition("/")
    client = boto3.client(
        "s3",
        endpoint_url=artifacts["AWS_ENDPOINT_URL"],
        region_name=artifacts["AWS_REGION"],
        aws_access_key_id=artifacts["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=artifacts["AWS_SECRET_ACCESS_KEY"],
    )
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/indexes/")
    return [item["Key"].rpartition("/")[2] for item in listed.get("Contents", [])]


def ingest_through_both(api_1: str, api_2: str, rng: np.random.Generator, tmp: Path) -> float:
    """Rows per second, two SDK runs logging at once, one through each API process (a
    project of its own, after the checks: its follow-up jobs are left to the teardown)."""
    data = rng.standard_normal((2, RATE_ROWS, DIM)).astype(np.float32)
    errors: list[BaseException] = []

    def log(n: int, url: str) -> None:
        try:
            with chroma.init(
                "deploy-rate",
                f"d{n}",
                SPACE,
                url=url,
                token=TOKEN,
                batch_size=RATE_BATCH,
                spool=tmp / f"spool-{n}",
            ) as run:
                run.log(data[n], ids=[f"r{n}-{i}" for i in range(RATE_ROWS)])
                run.flush()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=log, args=(n, url)) for n, url in enumerate((api_1, api_2))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    assert not errors, errors
    return 2 * RATE_ROWS / seconds
