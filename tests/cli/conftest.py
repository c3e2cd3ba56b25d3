from __future__ import annotations

from pathlib import Path

import pytest
from chroma_cli import Chroma


@pytest.fixture
def chroma(tmp_path: Path) -> Chroma:
    return Chroma(tmp_path)
