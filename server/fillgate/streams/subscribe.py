"""One StreamFills subscription: the events after a resume point, then live ones.

:func:`follow` yields what the stream carries, in order: :class:`Opened`
first, then :class:`~fillgate.streams.bus.BusEvent` s, with a :class:`Quiet`
after every ``heartbeat_s`` of silence. A resume point older than the bus
retains is served from the journal (``history``, passed in by the caller so
this room does not read the journal itself): the live subscription is opened
*first* and the gap read after, so no event can fall between the two.

With ``max_batch`` above 1, the events already waiting when one arrives are
yielded together as one :class:`Batch` (in sequence order, at most
``max_batch``): a consumer that fell behind catches up in a few large
messages instead of many small ones, so the cost of a busy stream falls as it
gets busier instead of rising.

A subscriber that falls ``queue_size`` events behind is cut off with
RESOURCE_EXHAUSTED, a server shutdown ends it with UNAVAILABLE; both errors
carry the last sequence delivered, to resume from, and a cut-off is logged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fillgate.domain.errors import OutOfRange, ResourceExhausted, Unavailable
from fillgate.streams.bus import OVERFLOW, BusEvent, EventBus, SubscriptionClosed

log = logging.getLogger("fillgate.streams")

#: Events with ``after < sequence <= up_to``, read from the journal.
History = Callable[[int, int], AsyncIterator[BusEvent]]


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamQuery:
    """What a consumer asked for; empty filters match everything."""

    accounts: frozenset[str] = frozenset()
    symbols: frozenset[str] = frozenset()
    #: Resume after this sequence; None streams only events published from now on.
    from_sequence: int | None = None
    heartbeat_s: float
    #: Up to this many ready events per :class:`Batch`; 1 yields single events.
    max_batch: int = 1
    #: Keeps only the payloads it accepts (the consumer's kinds of events); None keeps all.
    keep: Callable[[Any], bool] | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """The subscription is live: events from ``first`` on will follow."""

    subscription_id: str
    head: int
    first: int


@dataclass(frozen=True, slots=True)
class Batch:
    """Several events that were ready at once, in sequence order (``max_batch`` > 1)."""

    events: tuple[BusEvent, ...]


@dataclass(frozen=True, slots=True)
class Quiet:
    """Nothing matched for a heartbeat interval; ``head`` is the latest sequence."""

    head: int


async def follow(
    bus: EventBus, query: StreamQuery, history: History | None = None
) -> AsyncIterator[Opened | BusEvent | Batch | Quiet]:
    """Yield :class:`Opened`, then every matching event after the resume point, forever."""
    backlog: AsyncIterator[BusEvent] | None = None
    try:
        sub = bus.subscribe(query.accounts, query.symbols, query.from_sequence, query.keep)
    except OutOfRange as exc:
        if exc.reason != "SEQUENCE_NOT_RETAINED" or history is None:
            raise
        assert query.from_sequence is not None  # only a resume can be out of range
        sub = bus.subscribe(query.accounts, query.symbols, keep=query.keep)
        backlog = history(query.from_sequence, bus.head)
    more = query.max_batch - 1
    last = bus.head if query.from_sequence is None else query.from_sequence
    try:
        yield Opened(sub.id, bus.head, last + 1)
        if backlog is not None:
            async for old in backlog:
                if sub.matches(old):
                    last = old.sequence
                    yield old
        while True:
            item = await sub.next(query.heartbeat_s)
            if item is None:
                yield Quiet(bus.head)
                continue
            if more:
                ready = sub.ready(more)
                if ready:
                    last = ready[-1].sequence
                    yield Batch((item, *ready))
                    continue
            last = item.sequence
            yield item
    except SubscriptionClosed as closed:
        metadata = {"last_sequence": str(last)}
        log.log(
            logging.WARNING if closed.reason == OVERFLOW else logging.INFO,
            "event=stream_cut_off subscription=%s reason=%s last_sequence=%d head=%d",
            sub.id,
            closed.reason,
            last,
            bus.head,
        )
        if closed.reason == OVERFLOW:
            raise ResourceExhausted(
                "SUBSCRIBER_TOO_SLOW",
                f"the stream fell {bus.queue_size} events behind; resume with from_sequence={last}",
                metadata,
            ) from None
        raise Unavailable(
            "SERVER_SHUTTING_DOWN",
            f"the server is shutting down; resume with from_sequence={last}",
            metadata,
        ) from None
    finally:
        sub.close()
