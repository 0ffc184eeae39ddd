"""A token bucket that paces calls to a venue's published limit and honours Retry-After."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """``per_second`` tokens refill continuously up to ``burst``; a call takes one.

    ``acquire`` waits (without blocking the loop) until a token is free, so
    bursts above the venue's limit are smoothed instead of answered with 429s.
    ``pause(seconds)`` empties the bucket until then: a venue's ``Retry-After``
    holds back every caller, not just the one that saw it.
    """

    def __init__(
        self,
        per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._paused_until = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.per_second)
        self._stamp = now

    def delay(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens; return how many seconds the caller must wait first."""
        now = self._clock()
        self._refill(now)
        self._tokens -= cost  # may go negative: later callers queue behind this one
        wait = max(0.0, -self._tokens / self.per_second)
        return max(wait, self._paused_until - now)

    async def acquire(self, cost: float = 1.0) -> None:
        wait = self.delay(cost)
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (a venue's Retry-After)."""
        now = self._clock()
        self._paused_until = max(self._paused_until, now + seconds)
        self._refill(now)
        self._tokens = min(self._tokens, 0.0)
