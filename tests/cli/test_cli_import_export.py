"""``chroma import`` / ``chroma export`` in a subprocess, against a real (SQLite) server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from chroma_cli import Chroma

import chroma as sdk
from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("cli-io"), auto_jobs=False)
    with LiveServer(open_store(settings), owns_store=True) as live:
        yield live.url


@pytest.mark.slow
def test_import_then_export_tf_projector(chroma: Chroma, url: str, tmp_path: Path) -> None:
    project = f"p-{uuid.uuid4().hex[:8]}"
    vectors = np.random.default_rng(1).standard_normal((12, 4)).astype(np.float32)
    source = tmp_path / "in.parquet"
    pq.write_table(
        pa.table(
            {
                "key": [f"k{i}" for i in range(12)],
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), 4),
                "label": [str(i % 2) for i in range(12)],
                "size": list(range(12)),
            }
        ),
        source,
    )
    args = ("--project", project, "--space", "emb")
    done = chroma.run("import", str(source), *args, "--dataset", "train", env={"CHROMA_URL": url})
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"imported 12 datapoints into {project}/train (space emb)\n"
    pca = sdk.create_projection(project, "emb", "pca", url=url, progress=False).id
    out = tmp_path / "tf"
    done = chroma.run(
        "export",
        str(out),
        *args,
        "--format",
        "tf-projector",
        "--projection",
        str(pca),
        "--url",
        url,
    )
    assert done.returncode == 0, done.stderr
    assert "exported 12 datapoints" in done.stdout
    header = (out / "metadata.tsv").read_text().splitlines()[0].split("\t")
    assert header == ["key", "dataset", "label", "tags", "size", "x", "y"]
    back = np.loadtxt(out / "tensors.tsv", delimiter="\t", dtype=np.float64).astype(np.float32)
    np.testing.assert_array_equal(back, vectors)


def test_bad_file_is_one_line_and_imports_nothing(chroma: Chroma, url: str, tmp_path: Path) -> None:
    project = f"p-{uuid.uuid4().hex[:8]}"
    source = tmp_path / "bad.csv"
    source.write_text("key,a,b\nk0,1,2\nk1,3,oops\n")
    done = chroma.run(
        "import",
        str(source),
        "--project",
        project,
        "--dataset",
        "d",
        "--space",
        "emb",
        "--vector-columns",
        "a,b",
        "--url",
        url,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"{source}: column 'b', row 1: 'oops' is not a number" in done.stderr
    with pytest.raises(sdk.NotFound):
        sdk.read_datapoints(project, url=url)
