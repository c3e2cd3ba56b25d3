"""Progress reporting for long computations, and cancelling them.

A :data:`Progress` callback receives a fraction in ``[0, 1]`` and a short message. It may
raise any exception to abort the computation: the projection code calls it between
steps (every SGD epoch, every few t-SNE iterations, every block of neighbour queries) and
lets the exception propagate, so a job runner cancels a projection by raising from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``; fraction in [0, 1], never decreasing. May raise to abort."""


class Reporter:
    """Maps the progress of one stage onto a slice of the whole, keeping it monotone.

    ``stage(start, stop)`` returns a :data:`Progress` for a sub-step whose own 0..1 maps
    onto ``start..stop`` of the whole. Calls are throttled to one per ``interval``
    seconds (the first and the final one always go through), but every call to a stage's
    callback still checks for cancellation: the user's callback runs at least once per
    ``interval`` while work goes on.

    Example:
        >>> report = Reporter(progress)
        >>> knn_progress = report.stage(0.0, 0.3)
        >>> knn_progress(0.5, "neighbours of 50,000 points")   # reported as 0.15
    """

    def __init__(
        self, progress: Progress | None, *, interval: float = 0.25, step: float = 0.01
    ) -> None:
        self._progress = progress
        self._interval = interval
        self._step = step
        self._last_time = -float("inf")
        self._last_fraction = 0.0

    @property
    def active(self) -> bool:
        return self._progress is not None

    def __call__(self, fraction: float, message: str, *, force: bool = False) -> None:
        """Report ``fraction`` of the whole (clamped to [0, 1] and to never go back)."""
        if self._progress is None:
            return
        fraction = min(1.0, max(self._last_fraction, float(fraction)))
        now = time.monotonic()
        quiet = now - self._last_time < self._interval
        if not force and fraction < 1.0 and quiet and fraction - self._last_fraction < self._step:
            return
        self._last_time = now
        self._last_fraction = fraction
        self._progress(fraction, message)

    def stage(self, start: float, stop: float) -> Progress:
        """A callback for one stage whose own fractions map onto ``[start, stop]``."""

        def report(fraction: float, message: str) -> None:
            self(start + (stop - start) * min(1.0, max(0.0, fraction)), message)

        return report

    def done(self, message: str = "done") -> None:
        self(1.0, message, force=True)


def sub_progress(progress: Progress | None, start: float, stop: float) -> Progress | None:
    """``progress`` restricted to ``[start, stop]`` (None stays None): for nested steps."""
    if progress is None:
        return None
    outer = progress

    def report(fraction: float, message: str) -> None:
        outer(start + (stop - start) * min(1.0, max(0.0, fraction)), message)

    return report
