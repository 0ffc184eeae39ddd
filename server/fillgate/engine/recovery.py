"""Rebuild the engine from journal records: orders, positions, trading state, stream.

Replay applies the same events through the same ``lifecycle.apply`` as live
trading, so it rebuilds the same state; it skips only what has no state
(streaming to consumers). The last ``retain`` stream events go back into the
bus so consumers can resume from memory after a restart.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fillgate.domain import events as ev
from fillgate.domain.enums import TradingMode
from fillgate.domain.lifecycle import apply
from fillgate.domain.reports import ExecutionReport
from fillgate.engine.engine import Engine
from fillgate.journal.codec import Record
from fillgate.risk.trading_state import Restriction
from fillgate.streams.bus import BusEvent

log = logging.getLogger("fillgate.recovery")


@dataclass(frozen=True, slots=True)
class ReplayStats:
    records: int
    orders: int
    open_orders: int
    stream_head: int
    seconds: float


def stream_payload(record: Record, order: Any, exec_type: Any) -> Any:
    """The payload a replayed stream event carries, as it was when first published."""
    if isinstance(record.event, ev.OrderEvent):
        return ExecutionReport(
            exec_id=record.exec_id,
            exec_type=exec_type,
            order=order,
            event=record.event,
            monotonic_ns=0,
        )
    return record.event


def replay(engine: Engine, records: Iterable[Record], total: int | None = None) -> ReplayStats:
    """Apply journal records to a fresh engine.

    The cyclic garbage collector is paused meanwhile: a replay creates millions
    of long-lived objects and nothing cyclic, and every collection would rescan
    all of them (it nearly doubled replay time). Afterwards the rebuilt state is
    frozen out of future collections, which keeps GC pauses off the order path.
    """
    started = time.perf_counter()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        stats = _replay(engine, records, started, total)
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
    return stats


def _replay(
    engine: Engine, records: Iterable[Record], started: float, total: int | None
) -> ReplayStats:
    orders = engine.order_table
    book = engine.book
    trading = engine.trading
    retained: deque[tuple[Record, Any, Any]] = deque(maxlen=engine.bus.retain)
    head = count = 0
    # Only the last `retain` records can hold the retained stream events: with the
    # record count known, skip collecting candidates before them.
    keep_from = 0 if total is None else total - engine.bus.retain
    order_event = ev.OrderEvent
    filled = ev.OrderFilled
    order: Any
    exec_type: Any
    book.begin_replay()
    for record in records:
        count += 1
        event = record.event
        if isinstance(event, order_event):
            previous = orders.get(event.order_id)
            order, exec_type = apply(previous, event)
            engine.index(previous, order, event)
            if type(event) is filled:
                book.on_fill(
                    order.account,
                    order.symbol,
                    order.side,
                    event.quantity,
                    event.price,
                    event.fee,
                    event.ts_ns,
                )
        elif isinstance(event, ev.TradingStateChanged):
            order = exec_type = None
            if event.mode is TradingMode.ACTIVE:
                trading.clear(event.scope, event.target)
            else:
                trading.set(
                    Restriction(
                        scope=event.scope,
                        target=event.target,
                        mode=event.mode,
                        reason=event.reason,
                        requested_by=event.requested_by,
                        set_ns=event.ts_ns,
                    )
                )
        elif isinstance(event, ev.BreakerTripped | ev.VenueDrift):
            order = exec_type = None  # an alert: streamed, no state (breakers re-arm at start)
        elif isinstance(event, ev.ReferencePriceMoved):
            engine.restore_price(event.symbol, event.price, event.ts_ns)
            continue
        else:  # OrderDenied: audit only
            engine.denied_count += 1
            continue
        if record.stream_seq:
            head = record.stream_seq
            if count > keep_from:
                retained.append((record, order, exec_type))
    book.end_replay()
    engine.bus.restore(
        head,
        [
            BusEvent(
                r.stream_seq,
                (o or r.event).account,
                (o or r.event).symbol,
                stream_payload(r, o, x),
            )
            for r, o, x in retained
        ],
    )
    stats = ReplayStats(
        records=count,
        orders=len(orders),
        open_orders=len(engine.open_orders()),
        stream_head=head,
        seconds=time.perf_counter() - started,
    )
    log.info(
        "event=journal_replayed records=%d orders=%d open_orders=%d stream_head=%d seconds=%.3f",
        stats.records,
        stats.orders,
        stats.open_orders,
        stats.stream_head,
        stats.seconds,
    )
    return stats
