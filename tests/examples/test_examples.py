"""Each example in examples/ runs as a user would run it, against a real server, and leaves
the data its README promises (read back through the SDK).

The scripts run as subprocesses of this interpreter with ``--url`` pointing at a live
SQLite server and a small configuration (``--epochs``, ``--limit``, ``--rows``). One
dialect is enough: the examples exercise the SDK, whose storage is tested on both elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sqlalchemy import select

import chroma
from chroma.db.models import DatapointImage
from chroma.sdk._png import encode_png
from live_server import LiveServer

EXAMPLES = Path(__file__).parents[2] / "examples"
DIGITS = [str(digit) for digit in range(10)]
SECTIONS = {
    "games",
    "sound",
    "graphics",
    "science",
    "math",
    "fonts",
    "electronics",
    "hamradio",
    "database",
    "editors",
    "mail",
    "video",
}

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("dialect", ["sqlite"])]


def run_example(script: str, server: LiveServer, *options: str) -> str:
    """Run ``examples/<script>`` as a user would; return its stdout, fail with its stderr."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("CHROMA_URL", None)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--url", server.url, *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    assert f"Open {server.url}" in result.stdout  # tells the user where to look
    return result.stdout


def spaces(server: LiveServer, project: str) -> dict[str, dict[str, Any]]:
    """The project's spaces by name, with their dimension and vector count."""
    query = "query ($p: String!) { project(name: $p) { spaces { name dimension vectorCount } } }"
    answer = httpx.post(
        f"{server.url}/graphql", json={"query": query, "variables": {"p": project}}, timeout=30
    ).json()
    return {space["name"]: space for space in answer["data"]["project"]["spaces"]}


def test_digits_logs_train_and_test_with_predictions_and_images(server: LiveServer) -> None:
    run_example("digits/train.py", server, "--project", "digits-example", "--epochs", "2")

    table = chroma.read_datapoints("digits-example", url=server.url).set_index("key")
    sizes = table["dataset"].value_counts().to_dict()
    assert sizes == {"train": 1347, "test": 450}  # load_digits' 1,797 images, split 3:1
    assert all(key.startswith(f"{dataset}-") for key, dataset in table["dataset"].items())
    assert set(table["label"]) == set(DIGITS)
    assert table["prediction"].isin(DIGITS).all()
    assert table["score"].between(0.1, 1.0).all()  # a softmax maximum over ten classes
    accuracy = (table["prediction"] == table["label"]).mean()
    assert accuracy > 0.7, f"after two epochs the CNN is still at {accuracy:.0%}"
    assert table["has_image"].all()

    # The key names the image in load_digits(); its PNG is that image scaled to 0..255.
    digits = load_digits()
    for key in table.groupby("dataset").head(1).index:  # one image of each split
        index = table.loc[key, "metadata"]["sklearn_index"]
        assert key.endswith(f"-{index}")
        assert table.loc[key, "label"] == str(digits.target[index])
        with server.store.read() as session:
            stored = session.execute(
                select(DatapointImage.data).where(
                    DatapointImage.datapoint_id == int(table.loc[key, "datapoint_id"])
                )
            ).scalar_one()
        expected = np.round(digits.images[index] * (255 / 16)).astype(np.uint8)
        assert stored == encode_png(expected)

    vectors = chroma.read_vectors("digits-example", "digits-cnn-penultimate", url=server.url)
    assert vectors.vectors.shape == (1797, 64)
    assert np.isfinite(vectors.vectors).all()
    assert (vectors.vectors >= 0).all()  # the layer ends in a ReLU


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="the corpus comes from apt-cache")
def test_text_logs_package_descriptions_through_autolog(server: LiveServer) -> None:
    run_example("text/embed.py", server, "--project", "packages-example", "--limit", "4")

    table = chroma.read_datapoints("packages-example", url=server.url)
    assert set(table["label"]) == SECTIONS
    assert (table["label"].value_counts() == 4).all()  # every Section has at least four
    assert set(table["dataset"]) == {"packages"}
    assert table["text"].map(lambda text: isinstance(text, str) and len(text) > 5).all()
    assert table["text"].is_unique
    fields = pd.json_normalize(table["metadata"].tolist())
    assert (fields["package"] == table["key"]).all()  # keyed by package name
    assert fields["priority"].notna().all()

    (space,) = spaces(server, "packages-example").values()  # the question was not logged
    assert space["name"] == "all-MiniLM-L6-v2"
    assert space["dimension"] == 384
    assert space["vectorCount"] == len(table) == 48
    vectors = chroma.read_vectors("packages-example", space["name"], url=server.url)
    norms = np.linalg.norm(vectors.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)  # the model's last module normalises


def test_quickstart_logs_two_datasets_and_draws_a_map(server: LiveServer) -> None:
    output = run_example("quickstart/quickstart.py", server, "--project", "qs", "--rows", "300")
    assert "nearest neighbours" in output

    table = chroma.read_datapoints("qs", url=server.url)
    assert table["dataset"].value_counts().to_dict() == {"train": 300, "production": 100}
    train, production = table[table.dataset == "train"], table[table.dataset == "production"]
    assert train["label"].notna().all()
    assert production["label"].isna().all()
    assert production["prediction"].notna().all()
    assert production["score"].notna().all()

    (projection,) = chroma.projections("qs", "encoder-32", url=server.url)
    assert projection.algorithm == "umap"
    assert projection.ready
    assert projection.point_count == 400
    assert len(projection.points()) == 400
