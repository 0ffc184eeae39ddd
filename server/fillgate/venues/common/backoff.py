"""Exponential backoff with full jitter."""

from __future__ import annotations

import random


class Backoff:
    """Delay before retry ``attempt`` (0-based): uniform in [0, min(cap, base * 2**attempt)].

    Full jitter spreads retries of many callers so they do not hit a recovering
    venue together; a venue's ``retry_after`` is a floor, never shortened.
    """

    def __init__(self, base: float = 0.1, cap: float = 5.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self._rng = rng or random.Random()

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(attempt, 30)))
        jittered = self._rng.uniform(0, ceiling)
        return max(jittered, retry_after or 0.0)
