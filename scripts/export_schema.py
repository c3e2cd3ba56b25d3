"""Write the committed schema.graphql at the repository root (``make schema``).

``--check`` only compares, and exits 1 when schema.graphql is out of date;
tests/graphql/test_graphql_schema_file.py runs the same comparison. The work is done by
``python -m chroma.server.graphql.export``, which also runs from an installed package.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chroma.server.graphql.export import main

SCHEMA = Path(__file__).resolve().parent.parent / "schema.graphql"

if __name__ == "__main__":
    sys.exit(main([*sys.argv[1:], str(SCHEMA)]))
