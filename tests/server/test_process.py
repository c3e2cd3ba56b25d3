"""The serving process keeps large freed buffers for reuse (glibc's mallopt)."""

from __future__ import annotations

import subprocess
import sys


def test_allocator_tuning_applies_on_this_linux_machine() -> None:
    # In a child process: the tuning is process-wide and the test process should keep its own.
    code = "from chroma.server.process import keep_large_buffers; print(keep_large_buffers())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ("True" if sys.platform.startswith("linux") else "False")
