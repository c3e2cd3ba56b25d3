"""What the notebook tests share: a small logged space with its PCA map on a real server,
and the skip while the widget's bundle is not built."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pytest

import chroma
from chroma.notebook._bundle import BUNDLE

PROJECT = "nb"
SPACE = "emb"
N = 90


@dataclass
class Mapped:
    url: str
    projection: chroma.Projection
    keys: list[str]
    labels: list[str]


def log_and_map(url: str, project: str = PROJECT) -> Mapped:
    """Log N points in two datasets (labels, predictions, scores, metadata) and map them."""
    rng = np.random.default_rng(7)
    keys = [f"pt-{i}" for i in range(N)]
    labels = [f"class-{i % 3}" for i in range(N)]
    for dataset, rows in (("train", range(0, 60)), ("test", range(60, N))):
        with chroma.init(project, dataset, SPACE, url=url) as run:
            run.log(
                rng.standard_normal((len(rows), 6)).astype(np.float32) + [[i % 3] for i in rows],
                ids=[keys[i] for i in rows],
                labels=[labels[i] for i in rows],
                predictions=[f"class-{(i + (i % 7 == 0)) % 3}" for i in rows],
                scores=[0.5 + (i % 10) / 20 for i in rows],
                metadata=[{"group": "even" if i % 2 == 0 else "odd", "row": i} for i in rows],
            )
    projection = chroma.create_projection(project, SPACE, "pca", progress=False, url=url)
    return Mapped(url=url, projection=projection, keys=keys, labels=labels)


def needs_widget_bundle() -> pytest.MarkDecorator:
    """Skip, saying why, while the widget's bundle is not built (the test command builds
    it with the UI; in CI a missing bundle is a failure, not a skip)."""
    in_ci = os.environ.get("CI") == "true"
    return pytest.mark.skipif(
        not in_ci and not BUNDLE.is_file(),
        reason=f"the notebook widget is not built ({BUNDLE} is missing): `make ui` builds it",
    )
