"""What a job process of the in-process runner does before its first job: tie its life to
the server's, take its memory budget and its priority. Kept light (no compute imports),
since it runs first in a freshly spawned process."""

from __future__ import annotations

import os

from chroma.jobs.lifeline import die_with_parent
from chroma.jobs.limits import apply_memory_budget
from chroma.settings import Settings

BACKGROUND_NICE = 10
"""How much a background job (the neighbour index) yields: the kernel gives a job somebody
waits for (a first map, on the same two cores) nearly all the processor while both run."""


def prepare(settings: Settings, background: bool, server_pid: int) -> None:
    die_with_parent(server_pid)  # first: an orphan must not live to take a job
    apply_memory_budget(settings)
    if background:
        os.nice(BACKGROUND_NICE)
