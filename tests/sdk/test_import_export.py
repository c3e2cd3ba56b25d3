"""Import and export: Parquet, Arrow, CSV + NumPy, the TF Projector TSVs, DataFrames.

One SQLite server for the module (no automatic jobs); each test has its own project.
Bad files must import nothing: the tests then find no such project on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import chroma
from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer

N, DIM = 40, 6


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("io"), auto_jobs=False)
    with LiveServer(open_store(settings), owns_store=True) as live:
        yield live.url


@pytest.fixture
def project() -> str:
    return f"p-{uuid.uuid4().hex[:8]}"


def vectors(n: int = N, seed: int = 0) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)


def meta(i: int) -> dict[str, Any]:
    """Two fields, each missing on some rows (ints must come back as ints)."""
    fields: dict[str, Any] = {} if i % 7 == 3 else {"batch": i // 10}
    return fields if i % 5 == 0 else {**fields, "note": f"n\t{i}"}


def logged(url: str, project: str) -> np.ndarray[Any, np.dtype[np.float32]]:
    """N datapoints with labels, predictions, scores, metadata; two tagged; a PCA map."""
    data = vectors()
    with chroma.init(project, "train", "emb", url) as run:
        run.log(
            data,
            ids=[f"k{i}" for i in range(N)],
            labels=[f"c{i % 3}" for i in range(N)],
            predictions=[f"c{(i + 1) % 3}" for i in range(N)],
            scores=[i / N for i in range(N)],
            metadata=[meta(i) for i in range(N)],
        )
    table = chroma.read_datapoints(project, url=url)
    ids = [str(i) for i in table[table.key.isin(["k1", "k2"])].datapoint_id]
    with httpx.Client(base_url=url) as http:
        answer = http.post(
            "/graphql",
            json={
                "query": "mutation ($p: String!, $ids: [ID!]!) { addTags(project: $p, "
                'datapointIds: $ids, tags: ["odd", "keep"]) { changed } }',
                "variables": {"p": project, "ids": ids},
            },
        ).json()
    assert answer["data"]["addTags"]["changed"] == 4, answer  # 2 tags x 2 rows
    return data


def assert_nothing_in(url: str, project: str) -> None:
    with pytest.raises(chroma.NotFound):
        chroma.read_datapoints(project, url=url)


def by_key(url: str, project: str) -> pd.DataFrame:
    return chroma.read_datapoints(project, url=url).set_index("key").sort_index()


def assert_same(url: str, source: str, target: str, original: np.ndarray[Any, Any]) -> None:
    back = chroma.read_vectors(target, "emb", url=url)
    assert back.keys is not None
    order = np.argsort([int(k[1:]) for k in back.keys])
    np.testing.assert_array_equal(back.vectors[order], original)  # bit-exact
    before, after = by_key(url, source), by_key(url, target)
    for column in ("label", "prediction", "score"):
        assert after[column].tolist() == before[column].tolist(), column
    assert [sorted(t) for t in after["tags"]] == [sorted(t) for t in before["tags"]]
    assert sorted(after.loc["k1", "tags"]) == ["keep", "odd"]
    # an empty dict and no metadata are the same row in a file
    assert after["metadata"].tolist() == [m or None for m in before["metadata"]]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("out.parquet", None), ("out.arrow", None), ("out.feather", None), ("out.csv", None)],
)
def test_round_trip(url: str, project: str, tmp_path: Path, name: str, fmt: str | None) -> None:
    original = logged(url, project)
    done = chroma.export(tmp_path / name, project=project, space="emb", format=fmt, url=url)
    assert done.rows == N
    target = f"{project}-back"
    source = done.files[0]
    options: dict[str, Any] = {"vectors": done.files[1]} if name.endswith(".csv") else {}
    count = chroma.import_file(
        source, project=target, dataset="train", space="emb", url=url, **options
    )
    assert count == N
    assert_same(url, project, target, original)


def test_numpy_with_metadata_csv(url: str, project: str, tmp_path: Path) -> None:
    original = logged(url, project)
    done = chroma.export(tmp_path / "v.npy", project=project, space="emb", url=url)
    csv, npy = done.files
    target = f"{project}-np"
    chroma.import_file(npy, metadata=csv, project=target, dataset="train", space="emb", url=url)
    assert_same(url, project, target, original)


def test_export_has_tags_labels_scores_metadata_and_map(
    url: str, project: str, tmp_path: Path
) -> None:
    logged(url, project)
    pca = chroma.create_projection(project, "emb", "pca", url=url, progress=False)
    done = chroma.export(
        tmp_path / "all.parquet", project=project, space="emb", projection=pca.id, url=url
    )
    table = pq.read_table(done.files[0]).to_pandas().set_index("key")
    assert {"dataset", "label", "prediction", "score", "tags", "batch", "note", "x", "y"} <= set(
        table.columns
    )
    assert sorted(table.loc["k1", "tags"]) == ["keep", "odd"]
    assert list(table.loc["k5", "tags"]) == []
    assert table.loc["k4", "label"] == "c1"
    assert table.loc["k4", "prediction"] == "c2"
    assert table.loc["k20", "batch"] == 2
    points = pca.points(columns=["key"]).set_index("key")
    assert np.allclose(table.loc[points.index, "x"], points["x"])
    assert table["x"].notna().all()
    assert pq.read_table(done.files[0]).schema.field("vector").type == pa.list_(pa.float32(), DIM)


def test_tf_projector_both_ways(url: str, project: str, tmp_path: Path) -> None:
    original = logged(url, project)
    pca = chroma.create_projection(project, "emb", "pca", url=url, progress=False)
    folder = tmp_path / "tf"
    done = chroma.export(folder, project=project, space="emb", projection=pca.id, url=url)
    assert done.files == [folder / "tensors.tsv", folder / "metadata.tsv"]
    lines = (folder / "metadata.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    assert header[:2] == ["key", "dataset"]
    assert header[-2:] == ["x", "y"]
    assert {"label", "prediction", "score", "tags", "batch", "note"} <= set(header)
    assert len(lines) == N + 1
    row = dict(zip(header, lines[2].split("\t"), strict=True))
    assert row["key"] == "k1"
    assert set(row["tags"].split(",")) == {"odd", "keep"}
    assert row["note"] == "n 1"  # a tab inside a value cannot be written
    assert len((folder / "tensors.tsv").read_text().splitlines()) == N
    target = f"{project}-tf"
    assert chroma.import_file(folder, project=target, dataset="train", space="emb", url=url) == N
    back = chroma.read_vectors(target, "emb", url=url)
    assert back.keys is not None
    order = np.argsort([int(k[1:]) for k in back.keys])
    np.testing.assert_array_equal(back.vectors[order], original)
    after = by_key(url, target)
    assert after.loc["k7", "label"] == "c1"
    assert after.loc["k7", "metadata"] == {"batch": 0, "note": "n 7"}
    assert after.loc["k7", "score"] == pytest.approx(7 / N)


def test_tf_single_column_metadata_has_no_header(url: str, project: str, tmp_path: Path) -> None:
    data = vectors(3)
    np.savetxt(tmp_path / "t.tsv", data, fmt="%.9g", delimiter="\t")
    (tmp_path / "m.tsv").write_text("cat\ndog\ncat\n")
    chroma.import_file(
        tmp_path / "t.tsv",
        metadata=tmp_path / "m.tsv",
        project=project,
        dataset="d",
        space="emb",
        url=url,
    )
    table = chroma.read_datapoints(project, url=url)
    assert table.label.tolist() == ["cat", "dog", "cat"]
    np.testing.assert_array_equal(chroma.read_vectors(project, "emb", url=url).vectors, data)


def test_dataframe_vector_column_and_numeric_columns(url: str, project: str) -> None:
    data = vectors(5)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(5)], "vector": list(data), "y": range(5)})
    count = chroma.import_dataframe(
        frame, project=project, dataset="a", space="emb", label_column="y", url=url
    )
    assert count == 5
    wide = pd.DataFrame(data, columns=[f"f{i}" for i in range(DIM)])
    wide["key"] = [f"w{i}" for i in range(5)]
    wide["colour"] = "red"
    chroma.import_dataframe(
        wide,
        project=project,
        dataset="b",
        space="emb",
        vector_columns=[f"f{i}" for i in range(DIM)],
        url=url,
    )
    table = by_key(url, project)
    assert table.loc["r3", "label"] == "3"
    assert table.loc["r3", "metadata"] is None
    assert table.loc["w2", "metadata"] == {"colour": "red"}
    assert len(chroma.read_vectors(project, "emb", url=url)) == 10


def write_parquet(path: Path, **columns: Any) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


BAD_CASES = {
    "no-vector-column": ({"key": ["a", "b"], "emb": [[1.0], [2.0]]}, {}, "no vector column"),
    "ragged": ({"key": ["a", "b"], "vector": [[1.0, 2.0], [1.0]]}, {}, "ragged"),
    "not-numbers": ({"key": ["a", "b"], "vector": [["1", "2"], ["x", "y"]]}, {}, "vector[1]"),
    "missing-id-column": ({"vector": [[1.0], [2.0]]}, {"id_column": "name"}, "'name'"),
    "bad-score": (
        {"vector": [[1.0], [2.0]], "score": ["0.5", "high"]},
        {},
        "score[1]",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_parquet_imports_nothing(url: str, project: str, tmp_path: Path, case: str) -> None:
    columns, options, expected = BAD_CASES[case]
    path = write_parquet(tmp_path / "bad.parquet", **columns)
    with pytest.raises(chroma.InvalidInput) as caught:
        chroma.import_file(path, project=project, dataset="d", space="emb", url=url, **options)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)
    assert_nothing_in(url, project)


def test_bad_csv_value_names_column_and_row(url: str, project: str, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("key,a,b\nk0,1,2\nk1,3,oops\n")
    with pytest.raises(chroma.InvalidInput) as caught:
        chroma.import_file(
            path, vector_columns=["a", "b"], project=project, dataset="d", space="emb", url=url
        )
    message = str(caught.value)
    assert str(path) in message
    assert "'b', row 1" in message
    assert "'oops'" in message
    assert_nothing_in(url, project)


def test_tf_errors(url: str, project: str, tmp_path: Path) -> None:
    tensors = tmp_path / "tensors.tsv"
    tensors.write_text("1\t2\n3\t4\n5\tx\n")
    with pytest.raises(chroma.InvalidInput, match=r"line 3, value 2 is not a number"):
        chroma.import_file(tensors, project=project, dataset="d", space="emb", url=url)
    tensors.write_text("1\t2\n3\t4\t5\n")
    with pytest.raises(chroma.InvalidInput, match=r"ragged.*line 2 has 3"):
        chroma.import_file(tensors, project=project, dataset="d", space="emb", url=url)
    tensors.write_text("1\t2\n3\t4\n")
    (tmp_path / "metadata.tsv").write_text("key\tlabel\na\tx\nb\ty\nc\tz\n")
    with pytest.raises(chroma.InvalidInput, match=r"2 vectors but 3 metadata rows"):
        chroma.import_file(tmp_path, project=project, dataset="d", space="emb", url=url)
    assert_nothing_in(url, project)


def test_unknown_format_and_wrong_dimension(url: str, project: str, tmp_path: Path) -> None:
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(chroma.InvalidInput, match="cannot tell the format"):
        chroma.import_file(odd, project=project, dataset="d", space="emb", url=url)
    with pytest.raises(chroma.InvalidInput, match="unknown format"):
        chroma.import_file(odd, format="excel", project=project, dataset="d", space="emb", url=url)
    assert_nothing_in(url, project)
    with chroma.init(project, "d", "emb", url) as run:
        run.log(vectors(2), ids=["a", "b"])
    path = write_parquet(tmp_path / "three.parquet", vector=[[1.0, 2.0, 3.0]], key=["c"])
    with pytest.raises(chroma.InvalidInput, match="dimension 3"):
        chroma.import_file(path, project=project, dataset="d", space="emb", url=url)
    assert sorted(chroma.read_datapoints(project, url=url).key) == ["a", "b"]


def test_tags_that_are_not_text_import_nothing(url: str, project: str, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"key": ["a", "b"], "vector": [[0.0, 1.0], [1.0, 0.0]], "tags": [[], [1, 2]]}
    )
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path)
    with pytest.raises(chroma.InvalidInput) as caught:
        chroma.import_file(path, project=project, dataset="d", space="s", url=url)
    assert caught.value.where == "tags"
    assert "row 1" in str(caught.value)
    assert_nothing_in(url, project)
