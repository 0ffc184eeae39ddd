"""The runtime's one "ask the venue until it shows X or a deadline passes" loop."""

from __future__ import annotations

from fillgate.domain.values import ManualClock
from fillgate.venues.common.backoff import Backoff
from fillgate.venues.runtime.poll import UNANSWERED, Unanswered, poll_venue

_NO_PAUSE = Backoff(base=0.0)


async def test_poll_returns_the_first_answer() -> None:
    answers: list[str | None] = [None, None, "found"]

    async def probe() -> str | None:
        return answers.pop(0)

    found = await poll_venue(probe, clock=ManualClock(), timeout_s=1.0, backoff=_NO_PAUSE)
    assert found == "found"
    assert answers == []


async def test_poll_gives_up_once_the_injected_clock_passes_the_deadline() -> None:
    clock = ManualClock()
    asked = 0

    async def probe() -> str | None:
        nonlocal asked
        asked += 1
        clock.advance(400_000_000)
        return None

    assert await poll_venue(probe, clock=clock, timeout_s=1.0, backoff=_NO_PAUSE) is None
    assert asked == 3  # at 0.4 s and 0.8 s the deadline is ahead; at 1.2 s it has passed


async def test_poll_unanswered_probes_never_end_it_only_answers_do() -> None:
    clock = ManualClock()
    answers: list[str | Unanswered | None] = [UNANSWERED, UNANSWERED, UNANSWERED, "found"]

    async def probe() -> str | Unanswered | None:
        clock.advance(1_000_000_000)
        return answers.pop(0)

    found = await poll_venue(probe, clock=clock, timeout_s=1.0, backoff=_NO_PAUSE)
    assert found == "found"
