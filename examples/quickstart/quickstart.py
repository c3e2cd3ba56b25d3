"""Chroma in five cells: log two datasets, draw a map, ask for neighbours, get a DataFrame.

Only numpy and the SDK: the vectors are made-up clusters, so the script runs anywhere (most
of its time is the app drawing the first map: examples/quickstart/README.md). Start the
app first (``scripts/run.sh``), then run the file top to bottom::

    .venv/bin/python examples/quickstart/quickstart.py

or cell by cell (``# %%`` marks the cells: VS Code, PyCharm, Spyder, Jupytext).
"""

# %% Settings: where the app runs, and how much data to make.
from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd

import chroma

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument(
    "--url",
    default=os.environ.get("CHROMA_URL", "http://127.0.0.1:8000"),
    help="the Chroma app (default: $CHROMA_URL, else http://127.0.0.1:8000)",
)
parser.add_argument("--project", default="quickstart", help="project to log into")
parser.add_argument("--rows", type=int, default=3000, help="training rows (default 3000)")
# parse_known_args: inside Jupyter, sys.argv holds the kernel's own arguments.
args, _ = parser.parse_known_args()

SPACE = "encoder-32"  # one model + layer: only vectors of one space are comparable
CLASSES = ["cat", "dog", "bird", "fish", "frog", "horse"]
rng = np.random.default_rng(7)
centres = rng.normal(scale=4.0, size=(len(CLASSES) + 1, 32))  # the last: never in training


def sample(count: int, classes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points around the centres of ``classes``, and the class of each."""
    which = rng.choice(classes, size=count)
    vectors = centres[which] + rng.normal(size=(count, centres.shape[1]))
    return vectors.astype(np.float32), which


# %% Log a training set, then "production" traffic with a class the model never saw.
train_vectors, train_class = sample(args.rows, list(range(len(CLASSES))))
with chroma.init(project=args.project, dataset="train", space=SPACE, url=args.url) as run:
    run.log(
        train_vectors,
        ids=[f"train-{i}" for i in range(args.rows)],  # stable keys: a rerun updates
        labels=[CLASSES[c] for c in train_class],
        metadata=[{"shard": i % 4} for i in range(args.rows)],
    )

production_rows = max(args.rows // 3, 10)
production_vectors, production_class = sample(production_rows, list(range(len(CLASSES) + 1)))
# A toy "model": the nearest training centre is its prediction, its distance the score.
distances = np.linalg.norm(
    production_vectors[:, None, :] - centres[None, : len(CLASSES), :], axis=2
)
with chroma.init(project=args.project, dataset="production", space=SPACE, url=args.url) as prod:
    prod.log(
        production_vectors,
        ids=[f"production-{i}" for i in range(production_rows)],
        predictions=[CLASSES[c] for c in distances.argmin(axis=1)],
        scores=distances.min(axis=1),
        metadata=[{"new_class": bool(c == len(CLASSES))} for c in production_class],
    )
print(f"logged {args.rows} train and {production_rows} production rows into {args.project!r}")

# %% A UMAP map of both datasets (a server job; the progress bar follows it).
# The app draws a first map of a new space by itself a few seconds after logging stops:
# reuse it when it is already there rather than drawing a second one.
existing = [p for p in run.projections() if p.algorithm == "umap"]
projection = existing[0].wait() if existing else run.create_projection("umap", random_state=0)
points = projection.points(columns=["dataset", "label", "key"])
print(f"projection {projection.id}: {projection.state}, {len(points)} points")

# %% Nearest neighbours of one training point, across both datasets.
neighbours = run.nearest(key="train-0", k=5)
print(f"train-0 is a {CLASSES[train_class[0]]}; its nearest neighbours:")
print(neighbours[["key", "dataset", "label", "distance"]].to_string(index=False))

# %% Everything as one DataFrame: production rows, where the map put them, metadata fields.
table = chroma.read_datapoints(args.project, datasets="production", url=args.url)
table = table.join(pd.json_normalize(table["metadata"].tolist()))
table = table.merge(points[["key", "x", "y"]], on="key", how="left")
print(table[["key", "prediction", "score", "new_class", "x", "y"]].head(8).to_string(index=False))
print(
    "mean score (distance to the predicted class) by new_class:\n"
    + table.groupby("new_class")["score"].mean().round(2).to_string()
)
print(f"\nOpen {args.url} and pick the project {args.project!r} to explore the map.")
