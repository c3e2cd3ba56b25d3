"""A space's index files in the artifact store (``CHROMA_ARTIFACT_STORE``): published by
the machine that computed them, read by another machine with a data dir of its own,
replaced and removed in the store as on disk (SQLite and PostgreSQL; the object store is
a local S3 server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from space_data import clustered, log, run_queued

from chroma.core.errors import StorageUnavailable
from chroma.db import indexes
from chroma.db.models import NeighbourIndex
from chroma.db.store import Store, open_store
from chroma.services import neighbours as neighbour_service
from chroma.services import store as store_service
from chroma.services.catalog import delete_space
from chroma.services.index_files import forget_all
from chroma.services.jobs import JobKind, create_job
from chroma.settings import Settings
from object_store import S3Bucket, s3_bucket


@pytest.fixture(scope="module")
def bucket() -> Iterator[S3Bucket]:
    with s3_bucket() as found:
        yield found


@pytest.fixture
def machines(
    store: Store, bucket: S3Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database and one bucket, each with a data dir of its own (a
    worker's machine and an API's): nothing shared but the database and the bucket."""
    for name, value in bucket.env.items():
        monkeypatch.setenv(name, value)
    settings = store.settings  # an empty database of the test's dialect
    opened = []
    for machine in ("worker", "api"):
        opened.append(
            open_store(
                settings.model_copy(
                    update={
                        "data_dir": tmp_path / machine,
                        "database_url": settings.resolved_database_url,
                        "artifact_store": f"{bucket.url}/{tmp_path.name}",
                        "vector_storage": "database",
                        "orphan_grace_seconds": 0.0,
                    }
                )
            )
        )
    forget_all()  # each "machine" starts without indexes in memory
    try:
        yield opened[0], opened[1]
    finally:
        forget_all()
        for machine_store in opened:
            machine_store.dispose()


def _row(store: Store) -> NeighbourIndex:
    with store.read() as session:
        row = session.query(NeighbourIndex).one()
        session.expunge(row)
        return row


def _row_files(row: NeighbourIndex) -> set[str]:
    return {name for name in (row.index_file, row.delta_file, row.graph_file) if name}


def _in_bucket(store: Store) -> set[str]:
    return {name for name, _age in store.artifacts.stored(indexes.KIND)}


def _on_disk(store: Store) -> set[str]:
    return {path.name for path in indexes.index_dir(store).iterdir()}


def _nearest_keys(store: Store, vector: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as patch:
        patch.setattr(neighbour_service, "EXACT_LIMIT", 10)  # through the index files
        found = neighbour_service.nearest(store, project="p", space="s", k=8, vector=vector)
    return [n.record.key for n in found]


def _exact_keys(store: Store, vector: np.ndarray) -> list[str]:
    found = neighbour_service.nearest(store, project="p", space="s", k=8, vector=vector)
    return [n.record.key for n in found]


def test_an_index_built_on_one_machine_is_read_on_another(machines, monkeypatch) -> None:
    worker, api = machines
    vectors, keys, labels = clustered(1000)
    result = log(worker, vectors, keys, labels)
    neighbour_service.queue_build(worker, project="p", space="s")
    assert [j.state for j in run_queued(worker)] == ["succeeded"]
    built = _row(worker)
    assert _in_bucket(worker) == _row_files(built) == {built.index_file, built.graph_file}

    # The API machine has none of the files and fetches them from the store.
    forget_all()  # (the worker's process keeps what it wrote; the API's is another one)
    assert _on_disk(api) == set()
    assert _nearest_keys(api, vectors[3], monkeypatch) == _exact_keys(api, vectors[3])
    assert neighbour_service.load_graph(api, result.space_id) is not None
    assert _on_disk(api) == _row_files(built)

    # An update on the worker publishes a delta and a new graph and removes the old graph
    # from the store once its row no longer names it.
    more, more_keys, more_labels = clustered(40, seed=2, offset=1000)
    log(worker, more, more_keys, more_labels)
    with worker.write() as session:
        create_job(session, JobKind.NEIGHBOURS_UPDATE, project_id=None, space_id=result.space_id)
    assert [j.state for j in run_queued(worker)] == ["succeeded"]
    updated = _row(worker)
    assert updated.delta_file is not None
    assert updated.graph_file != built.graph_file
    assert _in_bucket(worker) == _row_files(updated)

    # The API machine finds the new points (only the delta holds them), and the copy of the
    # replaced graph it kept goes when it downloads the new files.
    forget_all()
    assert _nearest_keys(api, more[0], monkeypatch) == _exact_keys(api, more[0])
    graph = neighbour_service.load_graph(api, result.space_id)
    assert graph is not None
    assert len(graph.ids) == 1040
    assert _on_disk(api) == _row_files(updated)

    delete_space(worker, "p", "s")
    assert _in_bucket(worker) == set()
    assert _on_disk(worker) == set()


def test_objects_no_row_names_are_swept_once_old(machines, monkeypatch, tmp_path) -> None:
    worker, api = machines
    log(worker, *clustered(300))
    neighbour_service.queue_build(worker, project="p", space="s")
    run_queued(worker)
    kept = _row_files(_row(worker))
    stray = tmp_path / "space-99-0123456789ab.hnsw"  # what a worker killed before its commit left
    stray.write_bytes(b"half an index")
    worker.artifacts.publish(indexes.KIND, stray)
    assert _in_bucket(worker) == kept | {stray.name}

    store_service.tidy(api)  # young: it may belong to a commit about to happen
    assert _in_bucket(worker) == kept | {stray.name}

    monkeypatch.setattr(indexes, "ORPHAN_GRACE_SECONDS", 0.0)
    removed = store_service.tidy(api)
    assert removed["indexes"] == 1
    assert _in_bucket(worker) == kept


def test_a_folder_artifact_store_holds_indexes_and_vector_segments(settings, tmp_path) -> None:
    shared = tmp_path / "shared"
    store = open_store(
        settings.model_copy(
            update={
                "database_url": settings.resolved_database_url,
                "artifact_store": str(shared),
                "vector_storage": "files",
            }
        )
    )
    try:
        log(store, *clustered(300))
        neighbour_service.queue_build(store, project="p", space="s")
        run_queued(store)
        assert {path.name for path in (shared / "indexes").iterdir()} == _row_files(_row(store))
        assert any((shared / "vectors").iterdir())
        assert not (settings.data_dir / "indexes").exists()
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"artifact_store": "https://example.org/artifacts"}, "https:// is not a store"),
        ({"artifact_store": "ftp://example.org/a"}, "ftp:// is not a store"),
        (
            {
                "artifact_store": "s3://bucket/prefix",
                "database_url": "postgresql+psycopg://nobody@127.0.0.1/none",
                "vector_storage": "files",
            },
            "keep them in the database",
        ),
    ],
)
def test_an_artifact_store_that_cannot_work_stops_the_start(
    changes: dict[str, str], message: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", **changes)
    with pytest.raises(ValueError, match=message):
        open_store(settings, migrate=False)
    assert not (tmp_path / "data").exists()  # refused before anything was written


def test_a_file_lost_from_the_store_is_a_clear_error(machines, monkeypatch) -> None:
    worker, api = machines
    vectors, keys, labels = clustered(300)
    log(worker, vectors, keys, labels)
    neighbour_service.queue_build(worker, project="p", space="s")
    run_queued(worker)
    lost = _row(worker).index_file
    worker.artifacts.remove(indexes.KIND, [lost])
    forget_all()

    with pytest.raises(StorageUnavailable, match="has lost this file") as raised:
        _nearest_keys(api, vectors[0], monkeypatch)
    assert raised.value.where == f"indexes/{lost}"
    assert raised.value.status_code == 503
    assert _on_disk(api) <= {_row(api).graph_file}  # no half-downloaded file left behind


def test_an_unreachable_store_fails_the_job_and_keeps_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_ALLOW_HTTP", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_RETRIES", "0")
    worker = open_store(
        store.settings.model_copy(
            update={
                "data_dir": tmp_path / "worker",
                "database_url": store.settings.resolved_database_url,
                "artifact_store": "s3://nowhere-bucket/p",
                "vector_storage": "database",
            }
        )
    )
    try:
        log(worker, *clustered(200))
        neighbour_service.queue_build(worker, project="p", space="s")
        [job] = run_queued(worker)
        assert job.state == "failed"
        assert "could not upload to the artifact store s3://nowhere-bucket/p" in (job.error or "")
        with worker.read() as session:
            assert session.query(NeighbourIndex).count() == 0
        assert _on_disk(worker) == set()
    finally:
        worker.dispose()
