"""Print the live schema to ``schema.graphql`` (or check that the file is current).

    python -m chroma.server.graphql.export            # write ./schema.graphql
    python -m chroma.server.graphql.export --check    # exit 1 when it is out of date

In a checkout, ``make schema`` (scripts/export_schema.py) writes the committed file at the
repository root; the UI's typed documents are generated from it, and a test fails when it
differs from the live schema.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from strawberry.printer import print_schema

from chroma.server.graphql.schema import schema

REGENERATE = "`make schema` (or `python -m chroma.server.graphql.export`)"


def schema_text() -> str:
    return print_schema(schema) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=Path("schema.graphql"))
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.check:
        current = args.path.read_text() if args.path.exists() else None
        if current != text:
            print(f"{args.path} is out of date: run {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    args.path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
