"""streams.subscribe.follow with max_batch and a payload filter."""

from __future__ import annotations

import logging

import pytest

from fillgate.domain.errors import ResourceExhausted
from fillgate.streams.bus import BusEvent, EventBus
from fillgate.streams.subscribe import Batch, Opened, StreamQuery, follow


def query(max_batch: int = 1, keep=None, from_sequence: int | None = None) -> StreamQuery:  # type: ignore[no-untyped-def]
    return StreamQuery(heartbeat_s=1, max_batch=max_batch, keep=keep, from_sequence=from_sequence)


async def test_follow_with_max_batch_yields_ready_events_as_one_batch_in_order() -> None:
    bus = EventBus()
    stream = follow(bus, query(max_batch=10))
    assert isinstance(await anext(stream), Opened)
    for i in range(3):
        bus.publish("a", "S", i)
    got = await anext(stream)
    await stream.aclose()
    assert isinstance(got, Batch)
    assert [e.sequence for e in got.events] == [1, 2, 3]


async def test_follow_batch_never_holds_more_than_max_batch_events() -> None:
    bus = EventBus()
    stream = follow(bus, query(max_batch=2))
    await anext(stream)
    for i in range(5):
        bus.publish("a", "S", i)
    sizes = []
    for _ in range(3):
        item = await anext(stream)
        sizes.append(len(item.events) if isinstance(item, Batch) else 1)
    await stream.aclose()
    assert sizes == [2, 2, 1]


async def test_follow_without_max_batch_yields_single_events() -> None:
    bus = EventBus()
    stream = follow(bus, query())
    await anext(stream)
    bus.publish("a", "S", 0)
    bus.publish("a", "S", 1)
    assert isinstance(await anext(stream), BusEvent)
    assert isinstance(await anext(stream), BusEvent)
    await stream.aclose()


async def test_follow_batch_resumed_from_the_ring_is_batched_too() -> None:
    bus = EventBus()
    for i in range(4):
        bus.publish("a", "S", i)
    stream = follow(bus, query(max_batch=10, from_sequence=1))
    await anext(stream)
    got = await anext(stream)
    await stream.aclose()
    assert isinstance(got, Batch)
    assert [e.sequence for e in got.events] == [2, 3, 4]


async def test_follow_keep_passes_only_accepted_payloads() -> None:
    bus = EventBus()
    stream = follow(bus, query(max_batch=10, keep=lambda p: p % 2 == 0))
    await anext(stream)
    for i in range(5):
        bus.publish("a", "S", i)
    got = await anext(stream)
    await stream.aclose()
    assert isinstance(got, Batch)
    assert [e.payload for e in got.events] == [0, 2, 4]


async def test_follow_cut_off_consumer_is_logged_with_its_last_sequence(caplog) -> None:  # type: ignore[no-untyped-def]
    bus = EventBus(queue_size=2)
    stream = follow(bus, query())
    await anext(stream)
    for i in range(3):
        bus.publish("a", "S", i)
    with caplog.at_level(logging.WARNING, "fillgate.streams"), pytest.raises(ResourceExhausted):
        await anext(stream)
    assert "event=stream_cut_off" in caplog.text
    assert "reason=overflow" in caplog.text
    assert "last_sequence=0" in caplog.text
