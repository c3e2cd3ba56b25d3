"""Train a small CNN on scikit-learn's digits and capture its embeddings with chroma.watch.

The 1,797 8x8 handwritten digits ship with scikit-learn (nothing is downloaded). After a
few seconds of training, one pass over the train and the test set logs the penultimate
layer's output of every image, with its label, the model's prediction and confidence,
and the image itself, into the datasets ``train`` and ``test`` of the project ``digits``.

While it trains, the test set's embeddings are also logged at a few epochs (``--snapshots``,
before training included) with ``chroma.watch(..., step=epoch)``: one space per epoch,
``digits-cnn-over-training@step=<epoch>``, forming the family ``digits-cnn-over-training``.
Each epoch's map is aligned to the previous epoch's, and each point's ``movement`` (how far
it moved since) is a points column.

Start the app (``scripts/run.sh``), then::

    .venv/bin/python examples/digits/train.py

To see the training over time: open the project ``digits``, pick the space
``digits-cnn-over-training@step=0`` and drag the step slider (its maps are made a few
seconds after the script ends): the ten digits pull apart epoch by epoch; colour by
``movement`` to see which images moved most. From Python::

    steps = chroma.projections("digits", "digits-cnn-over-training@step=4")
    steps[0].points(["label", "movement"])  # movement since the snapshot before
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

try:
    import torch
except ModuleNotFoundError:  # scripts/run.sh installs the app alone
    raise SystemExit("digits needs torch: run `scripts/setup.sh --examples` once") from None
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

import chroma

CLASSES = [str(digit) for digit in range(10)]
SPACE = "digits-cnn-penultimate"
FAMILY = "digits-cnn-over-training"
"""The test set's embeddings at a few epochs: the spaces ``<FAMILY>@step=<epoch>``."""


class DigitsCNN(nn.Module):
    """Two convolutions, a 64-wide embedding layer (what we look at), a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 32 x 4 x 4
            nn.Flatten(),
        )
        self.embedding = nn.Sequential(nn.Linear(32 * 4 * 4, 64), nn.ReLU())
        self.head = nn.Linear(64, len(CLASSES))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.embedding(self.features(images)))
        return logits


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("CHROMA_URL", "http://127.0.0.1:8000"),
        help="the Chroma app (default: $CHROMA_URL, else http://127.0.0.1:8000)",
    )
    parser.add_argument("--project", default="digits", help="project to log into")
    parser.add_argument("--epochs", type=int, default=12, help="training epochs (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and the model")
    parser.add_argument(
        "--snapshots",
        type=int,
        default=4,
        help="epochs at which the test set is logged as a step, the untrained model "
        "included (default 4; 0: none)",
    )
    return parser.parse_args()


def train(
    model: nn.Module,
    optimiser: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: range,
    total_epochs: int,
) -> None:
    loss_of = nn.CrossEntropyLoss()
    model.train()
    for epoch in epochs:
        order = torch.randperm(len(x))
        total = 0.0
        for start in range(0, len(x), 64):
            batch = order[start : start + 64]
            optimiser.zero_grad()
            loss = loss_of(model(x[batch]), y[batch])
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch:2d}/{total_epochs}: loss {total / len(x):.3f}")


def snapshot_epochs(epochs: int, snapshots: int) -> list[int]:
    """``snapshots`` epochs from 0 (untrained) to the last, evenly spread."""
    if snapshots <= 0:
        return []
    return sorted({round(i * epochs / max(snapshots - 1, 1)) for i in range(snapshots)})


def log_snapshot(
    model: DigitsCNN,
    run: chroma.Run,
    x: torch.Tensor,
    y: torch.Tensor,
    rows: np.ndarray,
    epoch: int,
) -> None:
    """The test set's embeddings now, as the step ``epoch`` of the family (keys and labels
    only: the predictions stored are the trained model's, logged at the end)."""
    model.eval()
    with chroma.watch(model.embedding, run, classes=CLASSES, step=epoch) as watch, torch.no_grad():
        for start in range(0, len(rows), 256):
            batch = rows[start : start + 256]
            with watch.batch(ids=[f"test-{i}" for i in batch], labels=y[batch]):
                model(x[batch])


def main() -> None:
    args = parse_args()
    torch.manual_seed(args.seed)
    digits = load_digits()
    # Pixels are 0..16: floats for the network, 0..255 uint8 for the PNGs Chroma stores.
    pixels = digits.images.astype(np.float32) / 16.0
    thumbnails = np.round(digits.images * (255 / 16)).astype(np.uint8)
    indices = np.arange(len(digits.target))
    train_idx, test_idx = train_test_split(
        indices, test_size=0.25, random_state=args.seed, stratify=digits.target
    )
    x = torch.from_numpy(pixels).unsqueeze(1)  # (n, 1, 8, 8)
    y = torch.from_numpy(digits.target).long()

    model = DigitsCNN()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    started = time.perf_counter()
    # Train up to each snapshot epoch, then log the test set at that step (one run: each
    # step goes to its own space, and closing the run asks for their maps in step order).
    with chroma.init(project=args.project, dataset="test", space=FAMILY, url=args.url) as steps:
        done = 0
        for epoch in [*snapshot_epochs(args.epochs, args.snapshots), args.epochs]:
            train(
                model,
                optimiser,
                x[train_idx],
                y[train_idx],
                range(done + 1, epoch + 1),
                args.epochs,
            )
            done = epoch
            if epoch in snapshot_epochs(args.epochs, args.snapshots) and epoch not in steps.steps:
                log_snapshot(model, steps, x, y, test_idx, epoch)
    print(f"trained in {time.perf_counter() - started:.1f} s (steps logged: {steps.steps})")

    model.eval()
    for split, rows in (("train", train_idx), ("test", test_idx)):
        with (
            chroma.init(
                project=args.project,
                dataset=split,
                space=SPACE,
                url=args.url,
                model="DigitsCNN",
                layer="embedding",
            ) as run,
            # One row per image of every forward pass: the embedding layer's output, plus
            # the prediction and softmax confidence read from the model's logits.
            chroma.watch(model.embedding, run, model=model, classes=CLASSES) as watch,
            torch.no_grad(),
        ):
            mistakes: list[str] = []
            for start in range(0, len(rows), 256):
                batch = rows[start : start + 256]
                with watch.batch(
                    ids=[f"{split}-{i}" for i in batch],  # i: the index in load_digits()
                    labels=y[batch],  # class indices; the watch names them through CLASSES
                    images=list(thumbnails[batch]),
                    metadata=[{"sklearn_index": int(i)} for i in batch],
                ):
                    logits = model(x[batch])
                wrong = (logits.argmax(dim=1) != y[batch]).numpy()
                mistakes += [f"{split}-{i}" for i in batch[wrong]]
            accuracy = 1 - len(mistakes) / len(rows)
            print(f"{split}: logged {watch.logged} images, accuracy {accuracy:.1%}")

    # `run` is the test run now (closed: everything is stored, and it can still read).
    if mistakes:
        shown = ", ".join(mistakes[:8]) + (" ..." if len(mistakes) > 8 else "")
        print(f"\n{len(mistakes)} test images misclassified: {shown}")
        first = mistakes[0]
        wrong_row = run.datapoints().set_index("key").loc[first]
        neighbours = run.nearest(key=first, k=5, datasets="train")
        print(
            f"{first} is a {wrong_row.label}, predicted {wrong_row.prediction} "
            f"({wrong_row.score:.0%}); its nearest training images:"
        )
        print(neighbours[["key", "label", "distance"]].to_string(index=False))

    print(
        f"\nOpen {args.url} and pick the project {args.project!r} (space {SPACE!r}):"
        "\ncolour by label or prediction, filter the test set, look at the mistakes."
    )
    if steps.steps:
        print(
            f"Training over time: the space {FAMILY}@step={steps.steps[0]}'s step slider "
            f"moves the test images through epochs {steps.steps}; colour by movement."
        )


if __name__ == "__main__":
    main()
