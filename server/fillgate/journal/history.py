"""Read the journal back as stream events: deep StreamFills resumes and audit queries.

The journal holds events, not order snapshots, so the reader replays order
events on a scratch table to know each order's state after each event. It
reads a consistent prefix of the file (whole frames only) while the server
keeps appending, and yields to the event loop every few thousand records so
a long scan never stalls the order path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from fillgate.domain import events as ev
from fillgate.domain.lifecycle import apply
from fillgate.domain.orders import Order
from fillgate.domain.reports import ExecutionReport
from fillgate.journal.codec import Record, decode
from fillgate.journal.log import read_bodies
from fillgate.streams.bus import BusEvent

CHUNK = 2000


def iter_stream_events(path: Path) -> Iterator[tuple[Record, BusEvent | None]]:
    """Yield every record with the stream event it produced (None for unstreamed records)."""
    orders: dict[str, Order] = {}
    for body in read_bodies(path):
        record = decode(body)
        event = record.event
        if isinstance(event, ev.OrderEvent):
            order, exec_type = apply(orders.get(event.order_id), event)
            orders[order.order_id] = order
            payload: Any = ExecutionReport(
                exec_id=record.exec_id,
                exec_type=exec_type,
                order=order,
                event=event,
                monotonic_ns=0,
            )
            yield record, BusEvent(record.stream_seq, order.account, order.symbol, payload)
        elif (
            isinstance(event, ev.TradingStateChanged | ev.BreakerTripped | ev.VenueDrift)
            and record.stream_seq
        ):
            yield record, BusEvent(record.stream_seq, event.account, event.symbol, event)
        else:
            yield record, None


async def stream_events_between(path: Path, after: int, up_to: int) -> AsyncIterator[BusEvent]:
    """Yield the stream events with ``after < sequence <= up_to``, in order."""
    for index, (_, item) in enumerate(iter_stream_events(path)):
        if index % CHUNK == 0:
            await asyncio.sleep(0)
        if item is None or item.sequence <= after:
            continue
        if item.sequence > up_to:
            return
        yield item
