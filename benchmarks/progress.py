"""A progress bar in seconds of planned load, ticked while the orchestrator waits."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm  # type: ignore[import-untyped]


class Progress:
    """Stages with a planned length; the bar advances with wall time inside a stage.

    On a terminal it is a tqdm bar on stderr; elsewhere (CI logs) one line per stage.
    """

    def __init__(self, total_s: float, enabled: bool = True) -> None:
        self._interactive = enabled and sys.stderr.isatty()
        self._bar = tqdm(
            total=round(total_s),
            unit="s",
            disable=not self._interactive,
            bar_format="{desc:<34}|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]",
        )
        self._done = 0.0
        self._planned = 0.0
        self._started = time.monotonic()
        self._enabled = enabled

    def stage(self, name: str, planned_s: float) -> None:
        """Start a stage that should take about ``planned_s`` seconds."""
        self._done += self._planned
        self._planned = planned_s
        self._started = time.monotonic()
        self._bar.set_description_str(name)
        if self._enabled and not self._interactive:
            print(f"-- {name} (~{planned_s:.0f} s)", file=sys.stderr, flush=True)
        self.tick()

    def tick(self) -> None:
        elapsed = min(time.monotonic() - self._started, self._planned)
        n = round(self._done + elapsed)
        if n > self._bar.total:
            self._bar.total = n
        self._bar.n = n
        self._bar.refresh()

    def note(self, message: str) -> None:
        """Print a line without breaking the bar."""
        if self._enabled:
            tqdm.write(message, file=sys.stderr)

    def close(self) -> None:
        self._done += self._planned
        self._planned = 0
        self.tick()
        self._bar.close()
