"""Rebuild the engine from journal records: orders, positions, trading state, stream.

Replay applies the journaled events through the same fold as live trading
(``engine/fold.py``), so it rebuilds the same state; it skips only what is not
state (streaming to consumers, risk counters, which ``Engine.start`` rebuilds).
The last ``retain`` stream events go back into the bus so consumers can resume
from memory after a restart.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from fillgate.engine.engine import Engine
from fillgate.engine.fold import fold
from fillgate.journal.codec import Record
from fillgate.streams.bus import BusEvent

log = logging.getLogger("fillgate.recovery")


@dataclass(frozen=True, slots=True)
class ReplayStats:
    records: int
    orders: int
    open_orders: int
    stream_head: int
    seconds: float


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
    state = engine.state
    retained: deque[BusEvent] = deque(maxlen=engine.bus.retain)
    head = count = 0
    # Only the last `retain` records can hold the retained stream events: with the
    # record count known, skip keeping candidates before them.
    keep_from = 0 if total is None else total - engine.bus.retain
    state.book.begin_replay()
    for record in records:
        count += 1
        applied = fold(state, record.event, record.exec_id)
        if record.stream_seq:
            head = record.stream_seq
            if count > keep_from:
                retained.append(
                    BusEvent(record.stream_seq, applied.account, applied.symbol, applied.payload)
                )
    state.book.end_replay()
    engine.bus.restore(head, retained)
    orders = state.orders.orders
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
