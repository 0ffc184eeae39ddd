"""streams.subscribe.follow: what a StreamFills consumer receives, in order."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fillgate.domain.errors import OutOfRange, ResourceExhausted, Unavailable
from fillgate.streams.bus import BusEvent, EventBus
from fillgate.streams.subscribe import Opened, Quiet, StreamQuery, follow


def query(from_sequence: int | None = None, heartbeat_s: float = 1) -> StreamQuery:
    return StreamQuery(from_sequence=from_sequence, heartbeat_s=heartbeat_s)


async def test_follow_first_yields_opened_with_head_and_first_sequence() -> None:
    bus = EventBus()
    bus.publish("a", "S", 0)
    stream = follow(bus, query())
    assert await anext(stream) == Opened("sub-1", 1, 2)
    await stream.aclose()


async def test_follow_resume_older_than_retained_reads_the_gap_from_history_then_live() -> None:
    bus = EventBus(retain=2)
    for i in range(5):
        bus.publish("a", "S", i)
    asked: list[tuple[int, int]] = []

    async def history(after: int, up_to: int) -> AsyncIterator[BusEvent]:
        asked.append((after, up_to))
        bus.publish("a", "S", "live while reading history")  # 6: must come after the gap
        for seq in range(after + 1, up_to + 1):
            yield BusEvent(seq, "a", "S", seq)

    stream = follow(bus, query(from_sequence=1), history)
    assert isinstance(await anext(stream), Opened)
    got = [(await anext(stream)).sequence for _ in range(5)]  # type: ignore[union-attr]
    await stream.aclose()
    assert asked == [(1, 5)]
    assert got == [2, 3, 4, 5, 6]


async def test_follow_resume_older_than_retained_without_history_is_out_of_range() -> None:
    bus = EventBus(retain=1)
    for i in range(3):
        bus.publish("a", "S", i)
    with pytest.raises(OutOfRange):
        await anext(follow(bus, query(from_sequence=0)))


async def test_follow_silence_yields_quiet_with_the_head() -> None:
    bus = EventBus()
    stream = follow(bus, query(heartbeat_s=0.01))
    await anext(stream)
    assert await anext(stream) == Quiet(0)
    await stream.aclose()


async def test_follow_slow_consumer_is_resource_exhausted_naming_the_last_sequence() -> None:
    bus = EventBus(queue_size=2)
    stream = follow(bus, query())
    await anext(stream)
    bus.publish("a", "S", 0)
    assert (await anext(stream)).sequence == 1  # type: ignore[union-attr]
    for i in range(3):
        bus.publish("a", "S", i)
    with pytest.raises(ResourceExhausted) as err:
        await anext(stream)
    assert err.value.metadata == {"last_sequence": "1"}
    assert bus.subscriber_count == 0


async def test_follow_server_shutdown_is_unavailable_naming_the_last_sequence() -> None:
    bus = EventBus()
    stream = follow(bus, query(from_sequence=0))
    await anext(stream)
    bus.close()
    with pytest.raises(Unavailable) as err:
        await anext(stream)
    assert err.value.metadata == {"last_sequence": "0"}
