"""Call a driver the way every venue needs: paced, timed out, retried, classified."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fillgate.domain.ratelimit import TokenBucket
from fillgate.domain.values import Clock
from fillgate.venues.common.backoff import Backoff
from fillgate.venues.driver import VenueDriver, VenueSettings
from fillgate.venues.errors import ErrorKind, VenueFailure

T = TypeVar("T")


class VenueCaller:
    """Every driver call of one account goes through :meth:`call`.

    - it takes a token from the venue's bucket first (a ``Retry-After`` pauses
      the bucket for every caller);
    - it bounds the call by twice the REST timeout (an SDK that ignores its
      own timeout cannot hang fillgate): running out counts as an unknown outcome;
    - RETRYABLE failures are retried with backoff; UNKNOWN_OUTCOME ones only
      when ``retry_unknown`` (reads and cancels, which cannot double anything);
    - whatever escapes is a :class:`VenueFailure`, classified by the driver.
    """

    def __init__(self, settings: VenueSettings, driver: VenueDriver, clock: Clock) -> None:
        self._settings = settings
        self._driver = driver
        limits = driver.limits
        self.bucket = TokenBucket(
            settings.rate_per_s or limits.per_second,
            settings.rate_burst or limits.burst,
            clock=clock,
        )
        self.backoff = Backoff(base=settings.backoff_base_s)

    async def call(self, fn: Callable[..., Awaitable[T]], *args: object, retry_unknown: bool) -> T:
        """Return ``fn(*args)``'s answer, or raise the VenueFailure it ended with."""
        attempt = 0
        while True:
            await self.bucket.acquire()
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel
                # that lands in the turn the call completes, and a stopping task would
                # then carry on.
                async with asyncio.timeout(self._settings.timeout_s * 2):
                    return await fn(*args)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = self.classify(exc)
            retry = failure.kind is ErrorKind.RETRYABLE or (
                retry_unknown and failure.kind is ErrorKind.UNKNOWN_OUTCOME
            )
            attempt += 1
            if not retry or attempt >= self._settings.max_attempts:
                raise failure
            if failure.retry_after:
                self.bucket.pause(failure.retry_after)
            await asyncio.sleep(self.backoff.delay(attempt - 1, failure.retry_after))

    def classify(self, exc: BaseException) -> VenueFailure:
        """Map anything a call raised to a VenueFailure (a timeout is an unknown outcome)."""
        if isinstance(exc, VenueFailure):
            return exc
        if isinstance(exc, TimeoutError):
            return VenueFailure(ErrorKind.UNKNOWN_OUTCOME, "the venue did not answer in time")
        return self._driver.classify(exc)
