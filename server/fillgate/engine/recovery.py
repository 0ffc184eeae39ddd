"""Rebuild the engine from journal records: orders, positions, trading state, stream.

Replay applies the journaled events through the same fold as live trading
(``engine/fold.py``), so it rebuilds the same state; it skips only what is not
state (streaming to consumers, risk counters, which ``Engine.start`` rebuilds).
The last ``retain`` stream events go back into the bus so consumers can resume
from memory after a restart.

With a snapshot (``engine/snapshot.py``) the state is loaded from it first and
only the journal records after it are replayed; the snapshot's retained
stream events come first in the bus's memory, the tail's after them.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fillgate.engine.checkpoints import newest_usable
from fillgate.engine.engine import Engine
from fillgate.engine.fold import fold
from fillgate.engine.snapshot_load import Image, load
from fillgate.journal.codec import Record
from fillgate.journal.journal import Journal
from fillgate.journal.snapshots import discard
from fillgate.streams.bus import BusEvent

log = logging.getLogger("fillgate.recovery")


@dataclass(frozen=True, slots=True)
class ReplayStats:
    #: Records replayed (after the snapshot, when there was one).
    records: int
    #: The journal sequence the snapshot ended at (0: full replay).
    snapshot_seq: int
    orders: int
    open_orders: int
    stream_head: int
    seconds: float


def rebuild(engine: Engine, journal: Journal, *, snapshots: bool = True) -> ReplayStats:
    """Open ``journal`` and rebuild ``engine`` from it, from a snapshot when one is usable.

    With a usable snapshot only the records after it are read and replayed;
    otherwise (none, or ``snapshots`` off) every record is.
    """
    # Like a replay, loading a snapshot makes millions of long-lived objects: the
    # cyclic collector would rescan them all again and again (see replay).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _rebuild(engine, journal, snapshots)
    finally:
        if was_enabled:
            gc.enable()


def _rebuild(engine: Engine, journal: Journal, snapshots: bool) -> ReplayStats:
    usable = newest_usable(journal.path, engine.state) if snapshots else None
    records = journal.open(after=usable.mark if usable is not None else None)
    if usable is None:
        return replay(engine, records)
    if journal.resumed is None:  # the journal refused the mark after all: read everything
        discard(usable.path, "the journal no longer holds the record it ends at")
        return replay(engine, records)
    return replay(engine, records, snapshot=usable.image, snapshot_seq=usable.mark.journal_seq)


def replay(
    engine: Engine,
    records: Iterable[Record],
    total: int | None = None,
    *,
    snapshot: Image | None = None,
    snapshot_seq: int = 0,
) -> ReplayStats:
    """Apply journal records to a fresh engine, after loading ``snapshot`` when given.

    ``records`` are then the records after the snapshot's (``snapshot_seq``).
    The bus gets back the last ``retain`` stream events (those of the snapshot
    first), as the live bus had them. ``total`` (the number of records) is
    accepted for older callers and no longer needed: keeping only candidates
    among the last ``retain`` records lost retained events whenever unstreamed
    records (price moves, denials) came last.

    The cyclic garbage collector is paused meanwhile: a replay creates millions
    of long-lived objects and nothing cyclic, and every collection would rescan
    all of them (it nearly doubled replay time). Afterwards the rebuilt state is
    frozen out of future collections, which keeps GC pauses off the order path.
    """
    started = time.perf_counter()
    del total
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        stats = _replay(engine, records, started, snapshot, snapshot_seq)
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
    return stats


def _replay(
    engine: Engine,
    records: Iterable[Record],
    started: float,
    snapshot: Image | None,
    snapshot_seq: int,
) -> ReplayStats:
    state = engine.state
    # The last `retain` stream events, as (sequence, account, symbol, payload): a
    # tuple is cheaper to make than a BusEvent, and most are pushed out again.
    retained: deque[tuple[int, str, str, Any]] = deque(maxlen=engine.bus.retain)
    keep = retained.append
    head = count = 0
    state.book.begin_replay()
    if snapshot is not None:
        load(state, snapshot)
        retained.extend(snapshot.retained)
        head = snapshot.stream_head
    for record in records:
        count += 1
        applied = fold(state, record.event, record.exec_id)
        if record.stream_seq:
            head = record.stream_seq
            keep((head, applied.account, applied.symbol, applied.payload))
    state.book.end_replay()
    engine.bus.restore(head, (BusEvent(*item) for item in retained))
    orders = state.orders.orders
    stats = ReplayStats(
        records=count,
        snapshot_seq=snapshot_seq if snapshot is not None else 0,
        orders=len(orders),
        open_orders=len(engine.open_orders()),
        stream_head=head,
        seconds=time.perf_counter() - started,
    )
    log.info(
        "event=journal_replayed snapshot_seq=%d records=%d orders=%d open_orders=%d "
        "stream_head=%d seconds=%.3f",
        stats.snapshot_seq,
        stats.records,
        stats.orders,
        stats.open_orders,
        stats.stream_head,
        stats.seconds,
    )
    return stats
