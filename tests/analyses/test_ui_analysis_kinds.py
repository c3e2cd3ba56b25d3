"""The UI's table of analysis kinds and parameters (ui/src/projects/analysisKinds.json) is
what ``services/analyses/params.py`` says: the analysis form checks ranges and fills in
defaults from that file, so a parameter added, renamed or re-ranged here without it fails.

Regenerate it with ``.venv/bin/python tests/analyses/test_ui_analysis_kinds.py`` (it then
formats the file with the UI's Biome, as ``npm run lint`` wants it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from chroma.services.analyses.params import KINDS, MIN_ROWS

EXPORT = Path(__file__).resolve().parents[2] / "ui" / "src" / "projects" / "analysisKinds.json"


def exported() -> dict[str, Any]:
    """KINDS as plain JSON: per kind its flags, description and parameters."""
    kinds = {}
    for name, kind in KINDS.items():
        params = {}
        for param_name, param in kind.params.items():
            spec = asdict(param)
            params[param_name] = {
                "kind": spec["kind"],
                "default": spec["default"],
                "low": spec["low"],
                "high": spec["high"],
                "optional": spec["optional"],
                "choices": list(spec["choices"]),
                "openLow": spec["open_low"],
                "openHigh": spec["open_high"],
            }
        kinds[name] = {
            "reference": kind.reference,
            "labels": kind.labels,
            "description": kind.description,
            "columns": list(kind.columns),
            "params": params,
        }
    return {"minRows": MIN_ROWS, "kinds": kinds}


def render() -> str:
    return json.dumps(exported(), indent=2) + "\n"


def test_the_ui_mirrors_the_analysis_kinds() -> None:
    assert EXPORT.is_file(), f"{EXPORT} is missing: run python {__file__}"
    assert json.loads(EXPORT.read_text()) == exported(), (
        f"{EXPORT} differs from params.py: run `.venv/bin/python {__file__}` and "
        "check ui/src/projects/analysisKinds.ts (labels, form fields)"
    )


if __name__ == "__main__":
    EXPORT.write_text(render())
    sys.stdout.write(f"wrote {EXPORT}\n")
    ui = EXPORT.parents[2]
    subprocess.run(["npx", "biome", "format", "--write", str(EXPORT)], cwd=ui, check=False)
