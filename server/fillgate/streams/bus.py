"""The sequenced event bus behind StreamFills.

Every published event gets the next gap-free sequence number and goes into a
bounded ring (for resume) and into each matching subscriber's queue.

A *gated* bus (the journal is on) holds published events until
:meth:`EventBus.release` says they are durable, so a consumer never sees a
sequence number that a crash could take back.

Why the subscriber queue is bounded: the publisher is the order path, and it
must never wait for a consumer. A consumer that lets ``queue_size`` events
pile up is *cut off* (its stream ends with RESOURCE_EXHAUSTED) instead of
slowing everyone or silently losing events; it resumes from the last
sequence it saw. Nothing is dropped without the consumer being told.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fillgate.domain.errors import OutOfRange, Unavailable


@dataclass(frozen=True, slots=True)
class BusEvent:
    """One sequenced event. ``payload`` is a domain report; account/symbol drive filters."""

    sequence: int
    account: str
    symbol: str
    payload: Any


_CLOSED = object()  # queue marker that wakes a waiting consumer when it is cut off
OVERFLOW = "overflow"
SHUTDOWN = "shutdown"


class Subscription:
    """A consumer's view: first the replayed backlog, then live events from its queue."""

    def __init__(
        self,
        bus: EventBus,
        sub_id: str,
        accounts: frozenset[str],
        symbols: frozenset[str],
        queue_size: int,
        keep: Callable[[Any], bool] | None = None,
    ) -> None:
        self._bus = bus
        self.id = sub_id
        self.accounts = accounts
        self.symbols = symbols
        self.keep = keep
        self.queue: asyncio.Queue[Any] = asyncio.Queue(queue_size)
        self.backlog: deque[BusEvent] = deque()
        self.closed_reason: str | None = None

    def matches(self, event: BusEvent) -> bool:
        """An empty account or symbol on an event (a global halt, say) matches every filter.

        ``keep`` (when given) then decides on the payload: the consumer's kinds of events.
        """
        return (
            (not self.accounts or not event.account or event.account in self.accounts)
            and (not self.symbols or not event.symbol or event.symbol in self.symbols)
            and (self.keep is None or self.keep(event.payload))
        )

    async def next(self, timeout: float | None) -> BusEvent | None:
        """Return the next event, or None after ``timeout`` seconds of silence.

        Raises :class:`SubscriptionClosed` once the bus has cut this subscription
        off; queued events are then dropped, since the consumer resumes from the
        last sequence it was given.
        """
        if self.backlog:
            return self.backlog.popleft()
        if self.closed_reason is not None:
            raise SubscriptionClosed(self.closed_reason)
        try:
            item = self.queue.get_nowait()
        except asyncio.QueueEmpty:
            try:
                async with asyncio.timeout(timeout):
                    item = await self.queue.get()
            except TimeoutError:
                return None
        if item is _CLOSED:
            raise SubscriptionClosed(self.closed_reason or SHUTDOWN)
        return item  # type: ignore[no-any-return]

    def ready(self, limit: int) -> list[BusEvent]:
        """Take up to ``limit`` more events that are already waiting, without awaiting.

        What a batching consumer sends together with the event :meth:`next` gave it.
        Stops at a cut-off: the next :meth:`next` raises it.
        """
        out: list[BusEvent] = []
        backlog = self.backlog
        while backlog and len(out) < limit:
            out.append(backlog.popleft())
        queue = self.queue
        while len(out) < limit and self.closed_reason is None:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            if item is _CLOSED:
                break
            out.append(item)
        return out

    def close(self) -> None:
        """Unsubscribe (idempotent)."""
        self._bus.unsubscribe(self)


class SubscriptionClosed(Exception):
    """The bus ended a subscription: ``reason`` is OVERFLOW or SHUTDOWN."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EventBus:
    """Publish sequenced events to any number of subscribers; single writer."""

    def __init__(
        self,
        *,
        retain: int = 100_000,
        queue_size: int = 10_000,
        start_sequence: int = 0,
        gated: bool = False,
    ):
        self._ring: deque[BusEvent] = deque(maxlen=retain)
        self._head = start_sequence  # last sequence delivered to subscribers
        self._assigned = start_sequence  # last sequence handed out
        self._gated = gated
        self._held: deque[BusEvent] = deque()
        self._queue_size = queue_size
        self._subscribers: dict[str, Subscription] = {}
        self._ids = itertools.count(1)
        self._closed = False
        #: Consumers cut off, by reason (overflow, shutdown).
        self.cut_offs: dict[str, int] = {}

    @property
    def head(self) -> int:
        """The last sequence delivered (0 before the first)."""
        return self._head

    @property
    def retain(self) -> int:
        return self._ring.maxlen or 0

    @property
    def queue_size(self) -> int:
        """How many events a subscriber may fall behind before it is cut off."""
        return self._queue_size

    @property
    def first_retained(self) -> int:
        """The oldest sequence still in memory (head + 1 when empty)."""
        return self._ring[0].sequence if self._ring else self._head + 1

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, account: str, symbol: str, payload: Any) -> BusEvent:
        """Sequence ``payload``; deliver it now, or on release when the bus is gated."""
        self._assigned += 1
        event = BusEvent(self._assigned, account, symbol, payload)
        if self._gated:
            self._held.append(event)
        else:
            self._deliver(event)
        return event

    def release(self, up_to: int) -> None:
        """Deliver the held events with a sequence up to ``up_to`` (they are durable now)."""
        held = self._held
        while held and held[0].sequence <= up_to:
            self._deliver(held.popleft())

    def restore(self, head: int, events: Iterable[BusEvent]) -> None:
        """Set the head and the retained events after a journal replay."""
        self._head = self._assigned = head
        self._ring.clear()
        self._ring.extend(events)

    def _deliver(self, event: BusEvent) -> None:
        """Hand ``event`` to the ring and every matching subscriber without waiting."""
        self._head = event.sequence
        self._ring.append(event)
        for sub in tuple(self._subscribers.values()):
            if sub.matches(event):
                try:
                    sub.queue.put_nowait(event)
                except asyncio.QueueFull:
                    self._cut_off(sub, OVERFLOW)

    def subscribe(
        self,
        accounts: Iterable[str] = (),
        symbols: Iterable[str] = (),
        from_sequence: int | None = None,
        keep: Callable[[Any], bool] | None = None,
    ) -> Subscription:
        """Open a subscription; with ``from_sequence`` replay every retained event after it.

        ``keep(payload)``, when given, narrows the subscription to the payloads it accepts.
        Raises :class:`OutOfRange` when events after ``from_sequence`` are no longer retained.
        Registration and the backlog copy happen without an await in between, so
        no event can fall between the replay and the live queue.
        """
        if self._closed:
            raise Unavailable("SERVER_SHUTTING_DOWN", "the server is shutting down; reconnect")
        sub = Subscription(
            self,
            f"sub-{next(self._ids)}",
            frozenset(accounts),
            frozenset(symbols),
            self._queue_size,
            keep,
        )
        if from_sequence is not None:
            if from_sequence > self._head:
                raise OutOfRange(
                    "SEQUENCE_AHEAD_OF_HEAD",
                    f"from_sequence {from_sequence} is ahead of the head sequence {self._head}",
                    {"from_sequence": str(from_sequence), "head_sequence": str(self._head)},
                )
            if from_sequence + 1 < self.first_retained:
                raise OutOfRange(
                    "SEQUENCE_NOT_RETAINED",
                    f"events after {from_sequence} are no longer retained; "
                    f"the oldest retained is {self.first_retained}",
                    {
                        "from_sequence": str(from_sequence),
                        "first_retained": str(self.first_retained),
                    },
                )
            skip = from_sequence + 1 - self.first_retained
            sub.backlog.extend(
                e for e in itertools.islice(self._ring, max(skip, 0), None) if sub.matches(e)
            )
        self._subscribers[sub.id] = sub
        return sub

    def close(self) -> None:
        """End every subscription and refuse new ones (server shutdown)."""
        self._closed = True
        for sub in tuple(self._subscribers.values()):
            self._cut_off(sub, SHUTDOWN)

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.pop(sub.id, None)

    def retained_events(self) -> list[BusEvent]:
        """Return the last ``retain`` events, held ones included (what a snapshot keeps)."""
        events = [*self._ring, *self._held]
        return events[-self.retain :] if len(events) > self.retain else events

    def queue_depths(self) -> list[int]:
        """Events waiting in each live consumer's queue (metrics: stream lag)."""
        return [sub.queue.qsize() for sub in self._subscribers.values()]

    def _cut_off(self, sub: Subscription, reason: str) -> None:
        self.cut_offs[reason] = self.cut_offs.get(reason, 0) + 1
        self._subscribers.pop(sub.id, None)
        sub.closed_reason = reason
        if not sub.queue.full():  # a full queue means the consumer is not waiting
            sub.queue.put_nowait(_CLOSED)
