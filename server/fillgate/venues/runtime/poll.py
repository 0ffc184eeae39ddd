"""Ask the venue again and again until it shows what we wait for, or a deadline passes.

Every "wait for the venue" in the runtime is this one loop: resolving an
unanswered submit, looking for a replacement order, waiting for a canceled
leg to end. The deadline runs on the injected clock's monotonic time, and
the pause between probes is the caller's backoff (full jitter), optionally
capped, so a slow venue is not hammered and a fast one is not kept waiting.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Final, TypeVar

from fillgate.domain.values import Clock
from fillgate.venues.common.backoff import Backoff

T = TypeVar("T")

_NS_PER_S = 1_000_000_000


class Unanswered(Enum):
    """A probe could not ask (the call failed): its answer says nothing about the deadline."""

    UNANSWERED = "unanswered"


#: Return this from a probe to keep polling past the deadline: only an answer can end it.
UNANSWERED: Final = Unanswered.UNANSWERED


async def poll_venue(
    probe: Callable[[], Awaitable[T | Unanswered | None]],
    *,
    clock: Clock,
    timeout_s: float,
    backoff: Backoff,
    max_pause_s: float = math.inf,
) -> T | None:
    """Call ``probe`` until it returns a value; None once ``timeout_s`` passed without one.

    ``probe`` answers None for "not yet" (the deadline may end the poll after
    it) or :data:`UNANSWERED` when it could not ask (the poll goes on: a
    venue that cannot be reached has not shown that something is absent).
    Exceptions from ``probe`` end the poll and propagate.
    """
    deadline = clock.monotonic_ns() + int(timeout_s * _NS_PER_S)
    attempt = 0
    while True:
        answer = await probe()
        if answer is None:
            if clock.monotonic_ns() >= deadline:
                return None
        elif not isinstance(answer, Unanswered):
            return answer
        await asyncio.sleep(min(max_pause_s, backoff.delay(attempt)))
        attempt += 1
