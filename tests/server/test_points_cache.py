"""The points cache: a map's encoded points are served again as the same bytes until
something they derive from changes, never stale, never corrupt, and go with their map.

Every check goes through the real endpoint of a live server; the cache's files are looked
at on disk (``<data_dir>/cache/points``), where a test also damages them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pytest
import zstandard

from chroma.db.store import Store
from chroma.services.store import tidy
from projection_helpers import computed_projection, gql, ingest, vectors

COLUMNS = ("label", "dataset", "tags")


def cache_files(store: Store) -> list[Path]:
    directory = store.settings.data_dir / "cache" / "points"
    return sorted(directory.glob("*")) if directory.is_dir() else []


def fetch(http: httpx.Client, projection: int, *, etag: str | None = None) -> httpx.Response:
    headers = {"accept-encoding": "zstd"}
    if etag is not None:
        headers["if-none-match"] = etag
    return http.get(
        "/api/v1/points",
        params={"projection": projection, "column": list(COLUMNS)},
        headers=headers,
    )


def table_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    table = pa.ipc.open_stream(response.content).read_all()
    assert int(response.headers["x-chroma-points"]) == table.num_rows
    return table.to_pydict()


@pytest.fixture
def mapped(http: httpx.Client) -> int:
    """demo/clip: 120 train points labelled a/b/c, 40 test points, and a PCA map."""
    ingest(
        http,
        [f"t{i}" for i in range(120)],
        vectors(120, seed=1),
        labels=["abc"[i % 3] for i in range(120)],
    )
    ingest(http, [f"u{i}" for i in range(40)], vectors(40, seed=2), dataset="test")
    return computed_projection(http)


def test_the_same_request_gets_the_same_bytes_and_a_304_with_its_etag(
    http: httpx.Client, store: Store, mapped: int
) -> None:
    first = fetch(http, mapped)
    assert first.headers["content-encoding"] == "zstd"
    assert first.headers["cache-control"] == "no-cache"
    files = cache_files(store)
    assert files, "the encoded points were not cached"
    again = fetch(http, mapped)
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert cache_files(store) == files  # served from the entry, nothing written again

    unchanged = fetch(http, mapped, etag=first.headers["etag"])
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    plain = http.get(
        "/api/v1/points",
        params={"projection": mapped, "column": list(COLUMNS)},
        headers={"accept-encoding": "identity"},
    )
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] != first.headers["etag"]  # another representation
    assert table_of(plain) == table_of(first)


def test_what_the_points_derive_from_changing_makes_new_points(
    http: httpx.Client, store: Store, mapped: int
) -> None:
    before = table_of(fetch(http, mapped))
    row = before["id"].index(min(before["id"]))
    assert before["label"][row] == "a"

    # A label logged again under the same key.
    ingest(http, ["t0"], vectors(120, seed=1)[:1], labels=["z"])
    relabelled = table_of(fetch(http, mapped))
    assert relabelled["label"][relabelled["id"].index(before["id"][row])] == "z"

    # A tag.
    tag = 'mutation ($ids: [ID!]!) { addTags(project: "demo", datapointIds: $ids, tags: ["x"]) '
    gql(http, tag + "{ changed } }", ids=[str(before["id"][row])])
    tagged = table_of(fetch(http, mapped))
    assert tagged["tags"][tagged["id"].index(before["id"][row])] == ["x"]

    # A renamed dataset.
    gql(http, 'mutation { renameDataset(project: "demo", name: "test", newName: "prod") { name } }')
    renamed = table_of(fetch(http, mapped))
    assert "prod" in renamed["dataset"]
    assert "test" not in renamed["dataset"]

    # A deleted dataset: its points leave the map.
    gql(http, 'mutation { deleteDataset(project: "demo", name: "prod") { name } }')
    assert set(table_of(fetch(http, mapped))["dataset"]) == {"train"}


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_corrupt_or_half_written_entry_is_rebuilt_not_served(
    http: httpx.Client, store: Store, mapped: int
) -> None:
    good = fetch(http, mapped)
    [packed] = [p for p in cache_files(store) if p.name.endswith(".arrow.zst")]
    _damage(packed)
    rebuilt = fetch(http, mapped)
    # httpx undoes the zstd coding: .content is the Arrow stream.
    assert rebuilt.content == good.content  # the damage was noticed, the entry made again
    assert zstandard.ZstdDecompressor().decompressobj().decompress(packed.read_bytes()) == (
        good.content
    )

    # A crash between the data files and the manifest leaves no entry: it is made again.
    [manifest] = [p for p in cache_files(store) if p.name.endswith(".json")]
    manifest.unlink()
    _damage(packed)
    assert fetch(http, mapped).content == good.content
    assert manifest.exists()


def test_deleting_a_map_or_its_space_removes_its_cached_points(
    http: httpx.Client, store: Store, mapped: int
) -> None:
    other = computed_projection(http)
    fetch(http, mapped)
    fetch(http, other)
    assert {p.name.split("-")[0] for p in cache_files(store)} == {f"p{mapped}", f"p{other}"}
    gql(http, "mutation ($id: ID!) { deleteProjection(id: $id) { id } }", id=str(mapped))
    assert {p.name.split("-")[0] for p in cache_files(store)} == {f"p{other}"}
    gql(http, 'mutation { deleteSpace(project: "demo", name: "clip") { name } }')
    assert cache_files(store) == []


def test_entries_of_maps_deleted_elsewhere_are_swept_at_start(
    http: httpx.Client, store: Store, mapped: int
) -> None:
    fetch(http, mapped)
    left = store.settings.data_dir / "cache" / "points" / "p987654-abc.arrow"
    left.write_bytes(b"from a map another process deleted")
    crashed = store.settings.data_dir / "cache" / "points" / ".tmp-crashed.arrow"
    crashed.write_bytes(b"half")
    # Older than the grace period (a younger one may be a write in flight elsewhere).
    os.utime(crashed, (1_000_000_000, 1_000_000_000))
    tidy(store)
    names = {p.name for p in cache_files(store)}
    assert left.name not in names
    assert crashed.name not in names
    assert any(name.startswith(f"p{mapped}-") for name in names)
