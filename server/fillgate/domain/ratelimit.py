"""The token bucket: risk's order-rate limits and the venues' request pacing.

``rate`` tokens per second refill continuously up to ``burst``; refill is
computed on use from the injected clock's monotonic nanoseconds, so an idle
bucket costs nothing and tests control time. Two ways to use it:

- **check, then take** (risk): :meth:`TokenBucket.available` says whether a
  token is free; the caller denies with :meth:`TokenBucket.retry_after_ms`
  when not, and :meth:`TokenBucket.take` only once every check passed;
- **take and wait** (venues): :meth:`TokenBucket.acquire` takes a token even
  when none is free (the count goes negative, so later callers queue behind)
  and sleeps until it would have been, smoothing bursts instead of earning
  429s; :meth:`TokenBucket.pause` empties the bucket for a venue's
  ``Retry-After``, holding back every caller, not only the one that saw it.
"""

from __future__ import annotations

import asyncio
import math
from decimal import Decimal

from fillgate.domain.values import Clock

_NS_PER_S = 1_000_000_000


class TokenBucket:
    """Allow ``rate`` events per second on average and ``burst`` at once.

    A ``burst`` of None is the rate rounded down, at least 1. A rate of 0
    never refills: the burst is all there is.
    """

    __slots__ = (
        "_clock",
        "_last_ns",
        "_ns_per_token",
        "_paused_until_ns",
        "burst",
        "rate",
        "tokens",
    )

    def __init__(self, rate: Decimal | float, burst: int | None, *, clock: Clock) -> None:
        if rate < 0 or (burst is not None and burst < 1):
            raise ValueError("rate must not be negative and burst must be at least 1")
        #: Exact, for messages (risk reports it back to the client).
        self.rate = rate if isinstance(rate, Decimal) else Decimal(str(rate))
        self.burst = burst if burst is not None else max(int(rate), 1)
        self._ns_per_token = _NS_PER_S / float(rate) if rate > 0 else math.inf
        self._clock = clock
        self.tokens = float(self.burst)
        self._last_ns = clock.monotonic_ns()
        self._paused_until_ns = 0

    def available(self) -> float:
        """Refill for the time passed and return the tokens available (negative: owed)."""
        self._refill(self._clock.monotonic_ns())
        return self.tokens

    def _refill(self, now_ns: int) -> None:
        elapsed = now_ns - self._last_ns
        if elapsed > 0:
            self.tokens = min(float(self.burst), self.tokens + elapsed / self._ns_per_token)
            self._last_ns = now_ns

    def take(self, cost: float = 1.0) -> None:
        """Take ``cost`` tokens, free or not: a deficit makes later takers wait longer."""
        self.tokens -= cost

    def retry_after_ms(self) -> int:
        """Milliseconds until one token is available (the pause of :meth:`pause` aside)."""
        missing = 1.0 - self.tokens
        return 0 if missing <= 0 else math.ceil(missing * self._ns_per_token / 1e6)

    def delay(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens; return how many seconds the caller must wait first."""
        now = self._clock.monotonic_ns()
        self._refill(now)
        self.take(cost)
        wait_ns = -self.tokens * self._ns_per_token if self.tokens < 0 else 0.0
        return max(wait_ns, self._paused_until_ns - now) / _NS_PER_S

    async def acquire(self, cost: float = 1.0) -> None:
        """Take ``cost`` tokens, sleeping (without blocking the loop) until they are due."""
        wait = self.delay(cost)
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (a venue's Retry-After)."""
        now = self._clock.monotonic_ns()
        self._refill(now)
        self._paused_until_ns = max(self._paused_until_ns, now + int(seconds * _NS_PER_S))
        self.tokens = min(self.tokens, 0.0)
