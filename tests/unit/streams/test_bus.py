"""The event bus: gap-free sequences, resume, filters, bounded queues."""

from __future__ import annotations

import asyncio

import pytest

from fillgate.domain.errors import OutOfRange, Unavailable
from fillgate.streams.bus import OVERFLOW, SHUTDOWN, EventBus, SubscriptionClosed


async def drain(sub, count):
    return [(await sub.next(1)).sequence for _ in range(count)]


async def test_publish_sequences_are_gap_free_from_one():
    bus = EventBus()
    assert [bus.publish("a", "S", i).sequence for i in range(5)] == [1, 2, 3, 4, 5]
    assert bus.head == 5


async def test_subscribe_without_from_sequence_sees_only_later_events():
    bus = EventBus()
    bus.publish("a", "S", 0)
    sub = bus.subscribe()
    bus.publish("a", "S", 1)
    assert await drain(sub, 1) == [2]


async def test_subscribe_from_sequence_resumes_exactly_after_it_then_goes_live():
    bus = EventBus()
    for i in range(5):
        bus.publish("a", "S", i)
    sub = bus.subscribe(from_sequence=3)
    bus.publish("a", "S", 5)
    assert await drain(sub, 3) == [4, 5, 6]


async def test_subscribe_from_sequence_older_than_ring_raises_out_of_range():
    bus = EventBus(retain=3)
    for i in range(6):
        bus.publish("a", "S", i)
    with pytest.raises(OutOfRange):
        bus.subscribe(from_sequence=1)
    assert await drain(bus.subscribe(from_sequence=3), 3) == [4, 5, 6]


async def test_subscribe_from_sequence_ahead_of_head_raises_out_of_range():
    bus = EventBus()
    with pytest.raises(OutOfRange):
        bus.subscribe(from_sequence=1)


async def test_subscription_filters_by_account_and_symbol_but_passes_global_events():
    bus = EventBus()
    sub = bus.subscribe(accounts=["a"], symbols=["S"])
    bus.publish("b", "S", 0)
    bus.publish("a", "T", 0)
    bus.publish("a", "S", 0)
    bus.publish("", "", "global halt")
    assert await drain(sub, 2) == [3, 4]


async def test_two_subscribers_receive_the_same_sequence():
    bus = EventBus()
    one, two = bus.subscribe(), bus.subscribe()
    for i in range(3):
        bus.publish("a", "S", i)
    assert await drain(one, 3) == await drain(two, 3) == [1, 2, 3]


async def test_slow_subscriber_is_cut_off_when_queue_full_without_blocking_publisher():
    bus = EventBus(queue_size=2)
    slow, other = bus.subscribe(), bus.subscribe()
    for i in range(3):
        bus.publish("a", "S", i)  # returns at once even though `slow` reads nothing
    assert bus.subscriber_count == 0
    with pytest.raises(SubscriptionClosed) as closed:
        await slow.next(1)
    assert closed.value.reason == OVERFLOW
    assert other.closed_reason == OVERFLOW


async def test_next_returns_none_after_timeout_of_silence():
    bus = EventBus()
    sub = bus.subscribe()
    assert await sub.next(0.01) is None


async def test_close_wakes_waiting_subscriber_and_refuses_new_ones():
    bus = EventBus()
    sub = bus.subscribe()
    waiter = asyncio.ensure_future(sub.next(5))
    await asyncio.sleep(0)
    bus.close()
    with pytest.raises(SubscriptionClosed) as closed:
        await waiter
    assert closed.value.reason == SHUTDOWN
    with pytest.raises(Unavailable):
        bus.subscribe()
