"""Every file under the data dir belongs to a live row, or goes (issue 14, item 10).

Kinds of files: vector segments (``vectors/``), neighbour index and kNN graph files
(``indexes/``), cached points (``cache/points/``), thumbnails and fetched images
(``cache/images/``). Each delete (dataset, space, project) removes exactly the files of
what it deletes, only once it has committed; the start of a server removes the files no
row points at, except those a transaction in another process is still writing (claimed).

Real server, real job runner, real databases: vectors go to segment files on PostgreSQL too
(``vector_storage="files"``), so both databases have every kind of file.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

import chroma
from chroma.db.models import Datapoint, Dataset, EmbeddingChunk, NeighbourIndex, Space
from chroma.db.store import Store
from chroma.db.vectors import add_chunk, staged_vectors, sweep_orphan_segments
from chroma.services import catalog
from chroma.settings import Settings
from image_host import ImageHost
from live_server import LiveServer
from projection_helpers import computed_projection, gql, wait_succeeded

ROWS = 12
LONG_AGO = 1_000_000_000.0  # 2001: far beyond any grace period


def png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 17, size=(8, 8), dtype=np.uint8) * 15
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def _digit_route(host: ImageHost, handler: BaseHTTPRequestHandler, path: str) -> None:
    host.answer(handler, 200, png(int(path.strip("/").removesuffix(".png"))))


@pytest.fixture
def image_host() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering ``/<n>.png`` with a digit; its base URL."""
    with ImageHost(_digit_route) as host:
        yield host.url


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "vector_storage": "files",
            "image_fetch_hosts": ["127.0.0.1"],
            "image_fetch_private_networks": ["127.0.0.1/32"],
        }
    )


def data_files(store: Store) -> set[str]:
    """Every file under the data dir (relative paths), but the SQLite database's own."""
    root = store.settings.data_dir
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith("chroma.db")
    }


def log(url: str, project: str, dataset: str, space: str, **columns: Any) -> None:
    keys = [f"k{i}" for i in range(ROWS)]
    seed = zlib.crc32(f"{project}/{dataset}/{space}".encode())
    vectors = np.random.default_rng(seed).standard_normal((ROWS, 8)).astype(np.float32)
    with chroma.init(project, dataset, space, url=url, spool=False) as run:
        run.log(vectors, ids=keys, **columns)


def build_index(http: httpx.Client, project: str, space: str) -> None:
    query = (
        "mutation ($p: String!, $s: String!) { buildNeighbourIndex(project: $p, space: $s) { id } }"
    )
    wait_succeeded(http, gql(http, query, p=project, s=space)["buildNeighbourIndex"]["id"])


def ids_of(store: Store, model: Any, **where: Any) -> list[int]:
    with store.read() as session:
        query = select(model.id)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return [int(i) for i in session.scalars(query)]


def dataset_id(store: Store, project: str, name: str) -> int:
    with store.read() as session:
        project_id = catalog.find_project(session, project).id
    [found] = ids_of(store, Dataset, project_id=project_id, name=name)
    return found


def space_id(store: Store, project: str, name: str) -> int:
    with store.read() as session:
        project_id = catalog.find_project(session, project).id
    [found] = ids_of(store, Space, project_id=project_id, name=name)
    return found


def segments(store: Store, **where: int) -> set[str]:
    with store.read() as session:
        query = select(EmbeddingChunk.file_name)
        for column, value in where.items():
            query = query.where(getattr(EmbeddingChunk, column) == value)
        return {f"vectors/{name}" for name in session.scalars(query) if name}


def index_files(store: Store, space: int) -> set[str]:
    with store.read() as session:
        row = session.execute(
            select(NeighbourIndex.index_file, NeighbourIndex.graph_file).where(
                NeighbourIndex.space_id == space
            )
        ).one()
    return {f"indexes/{name}" for name in row}


def images_of(files: set[str], dataset: int) -> set[str]:
    return {f for f in files if f.startswith(f"cache/images/d{dataset}-")}


def request_media(http: httpx.Client, store: Store, project: str, dataset: str) -> None:
    """Full images and thumbnails of the dataset's datapoints, so that they are cached."""
    for dp in ids_of(store, Datapoint, dataset_id=dataset_id(store, project, dataset))[:4]:
        for path, params in (("image", {}), ("thumbnail", {"size": 64})):
            response = http.get(f"/api/v1/datapoints/{dp}/{path}", params=params)
            assert response.status_code == 200, response.text


@pytest.fixture
def populated(server: LiveServer, http: httpx.Client, store: Store, image_host: str) -> Store:
    """Project ``demo`` (datasets train: inline images, test: fetched images; spaces clip and
    other, each indexed; a map of clip with its points cached) and project ``keep`` (one
    dataset with images, one indexed space) with every kind of file."""
    uris = [f"{image_host}/{i}.png" for i in range(ROWS)]
    log(server.url, "demo", "train", "clip", images=[png(i) for i in range(ROWS)])
    log(server.url, "demo", "test", "clip", uris=uris)
    log(server.url, "demo", "train", "other")
    log(server.url, "demo", "test", "other")
    log(server.url, "keep", "all", "emb", images=[png(100 + i) for i in range(ROWS)])
    for project, space in (("demo", "clip"), ("demo", "other"), ("keep", "emb")):
        build_index(http, project, space)
    projection = computed_projection(http, project="demo", space="clip")
    response = http.get("/api/v1/points", params={"projection": projection})
    assert response.status_code == 200, response.text
    for project, dataset in (("demo", "train"), ("demo", "test"), ("keep", "all")):
        request_media(http, store, project, dataset)
    return store


def test_each_delete_removes_every_file_of_what_it_deletes_and_nothing_else(
    populated: Store, http: httpx.Client
) -> None:
    store = populated
    train, test = dataset_id(store, "demo", "train"), dataset_id(store, "demo", "test")
    clip, other = space_id(store, "demo", "clip"), space_id(store, "demo", "other")
    keep_dataset, keep_space = dataset_id(store, "keep", "all"), space_id(store, "keep", "emb")
    before = data_files(store)
    keep = (
        segments(store, space_id=keep_space)
        | index_files(store, keep_space)
        | images_of(before, keep_dataset)
    )
    # Every kind of file is there to be deleted, fetched images and cached points included.
    assert images_of(before, test)
    assert any("_u_" in f for f in images_of(before, test))
    assert any(f.startswith("cache/points/") for f in before)
    assert len(segments(store, dataset_id=test)) == 2  # one chunk in each space

    # A dataset: its vectors (in both spaces), thumbnails and fetched images.
    theirs = segments(store, dataset_id=test) | images_of(before, test)
    gql(http, 'mutation { deleteDataset(project: "demo", name: "test") { name } }')
    after = data_files(store)
    assert after == before - theirs

    # A space: its vectors and its index files (the datapoints' images stay).
    before = after
    theirs = segments(store, space_id=other) | index_files(store, other)
    gql(http, 'mutation { deleteSpace(project: "demo", name: "other") { name } }')
    after = data_files(store)
    assert after == before - theirs

    # A project: everything of it, the cached points of its maps too; the other project's
    # files stay, all of them.
    assert segments(store, space_id=clip)
    assert index_files(store, clip)
    assert images_of(after, train)
    gql(http, 'mutation { deleteProject(name: "demo") { name } }')
    assert data_files(store) == keep


REFUSE_DELETES = {
    "sqlite": [
        "CREATE TRIGGER refuse_delete BEFORE DELETE ON project "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_delete() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_delete BEFORE DELETE ON project "
        "FOR EACH ROW EXECUTE FUNCTION refuse_delete()",
    ],
}
ALLOW_DELETES = {
    "sqlite": ["DROP TRIGGER IF EXISTS refuse_delete"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS refuse_delete ON project",
        "DROP FUNCTION IF EXISTS refuse_delete()",
    ],
}


def test_a_delete_that_rolls_back_keeps_every_file(populated: Store, dialect: str) -> None:
    store = populated
    before = data_files(store)
    # The database itself refuses the delete at its last statement, after every file of
    # the project was listed for removal.
    with store.engine.begin() as conn:
        for statement in REFUSE_DELETES[dialect]:
            conn.execute(text(statement))
    try:
        with pytest.raises(DBAPIError, match="refused by the test"):
            catalog.delete_project(store, "demo")
        assert data_files(store) == before
    finally:
        with store.engine.begin() as conn:
            for statement in ALLOW_DELETES[dialect]:
                conn.execute(text(statement))
    catalog.delete_project(store, "demo")
    assert data_files(store) < before


CLAIM = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from chroma.db.files import claim_new
    claim = claim_new(lambda: Path(sys.argv[1]))
    print("claimed", flush=True)
    time.sleep(600)
    """
)


def claimed_elsewhere(path: Path) -> subprocess.Popen[str]:
    """Another process claims ``path``, as a batch staging its segment file does, and stays
    in its transaction until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", CLAIM, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "claimed"
    return process


def plant(path: Path, *, old: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    if old:
        os.utime(path, (LONG_AGO, LONG_AGO))
    return path


def test_orphan_files_are_swept_at_start_and_live_ones_stay(store: Store, image_host: str) -> None:
    with LiveServer(store) as live, httpx.Client(base_url=live.url, timeout=60) as http:
        log(live.url, "demo", "train", "clip", images=[png(i) for i in range(ROWS)])
        log(live.url, "demo", "test", "clip", uris=[f"{image_host}/{i}.png" for i in range(ROWS)])
        build_index(http, "demo", "clip")
        projection = computed_projection(http, project="demo", space="clip")
        assert http.get("/api/v1/points", params={"projection": projection}).status_code == 200
        request_media(http, store, "demo", "train")
        request_media(http, store, "demo", "test")
    live_files = data_files(store)
    assert {f.split("/")[0] for f in live_files} == {"vectors", "indexes", "cache"}

    # While the server is down: what crashes and other processes leave behind.
    data = store.settings.data_dir
    orphans = {
        plant(data / "vectors" / f"{uuid.uuid4().hex}.f32"),  # a batch killed before commit
        plant(data / "indexes" / "space-999-0123456789ab.hnsw"),  # a job killed before commit
        plant(data / "indexes" / "space-999-0123456789ab.knn.npz"),
        plant(data / "cache" / "images" / "d999-1_t_abc_64_png.png"),  # dataset deleted
        plant(data / "cache" / "images" / "d999-1_t_abc_64_png.json"),
        plant(data / "cache" / "images" / ".tmp-half-written"),
        plant(data / "cache" / "points" / "p999-abc.arrow"),  # map deleted elsewhere
        plant(data / "thumbnails" / "7-abc-128-auto.png"),  # the cache's old layout
    }
    young = plant(data / "vectors" / f"{uuid.uuid4().hex}.f32", old=False)
    in_flight = data / "vectors" / f"{uuid.uuid4().hex}.f32"
    writer = claimed_elsewhere(in_flight)
    try:
        plant(in_flight)  # written long ago: only the claim says it is still wanted

        with LiveServer(store) as live, httpx.Client(base_url=live.url, timeout=60) as http:
            left = data_files(store)
            assert not {str(p.relative_to(data)) for p in orphans} & left
            assert not (data / "thumbnails").exists()
            assert live_files <= left  # every file a row points at stays
            assert young.exists()  # may be a writer that has not claimed it yet
            assert in_flight.exists()  # its transaction may still commit
            read = chroma.read_vectors("demo", "clip", url=live.url)
            assert read.vectors.shape == (2 * ROWS, 8)
    finally:
        writer.kill()  # the writer crashes: its claim is gone with it
        writer.wait(timeout=30)
    os.utime(young, (LONG_AGO, LONG_AGO))
    with LiveServer(store):
        assert not in_flight.exists()
        assert not young.exists()
        assert live_files <= data_files(store)


def test_a_staged_segment_survives_any_sweep_until_its_transaction_ends(store: Store) -> None:
    with store.write() as session:
        project = catalog.ensure_project(session, "p")
        dataset = catalog.ensure_dataset(session, project, "d").id
        space = catalog.ensure_space(session, project, "s", 4).id
    vectors = np.ones((3, 4), np.float32)
    ids = np.arange(1, 4, dtype=np.int64)

    with staged_vectors(store, vectors) as staged, store.write() as session:
        assert staged.path is not None
        os.utime(staged.path, (LONG_AGO, LONG_AGO))  # however long the batch waits
        assert sweep_orphan_segments(store, min_age_seconds=0) == 0
        add_chunk(
            session,
            staged,
            space_id=space,
            dataset_id=dataset,
            datapoint_ids=ids,
            existing_ids=[],
            store=store,
        )
        assert sweep_orphan_segments(store, min_age_seconds=0) == 0  # not committed yet
        path = staged.path
    assert sweep_orphan_segments(store, min_age_seconds=0) == 0  # committed: a row names it
    assert path.exists()

    def rolled_back() -> Path:
        with staged_vectors(store, vectors) as staged, store.write() as session:
            assert staged.path is not None
            add_chunk(
                session,
                staged,
                space_id=space,
                dataset_id=dataset,
                datapoint_ids=ids + 10,
                existing_ids=[],
                store=store,
            )
            raise RuntimeError("the batch fails")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert [p.name for p in store.settings.vector_dir.glob("*.f32")] == [path.name]
    # A slow writer is no reason to wait: an unreferenced, unclaimed file goes at once.
    orphan = plant(store.settings.vector_dir / f"{uuid.uuid4().hex}.f32", old=False)
    assert sweep_orphan_segments(store, min_age_seconds=0) == 1
    assert not orphan.exists()
    assert path.exists()
