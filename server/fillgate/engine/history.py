"""Read the journal back as stream events: deep StreamFills resumes and audit queries.

The journal holds events, not order snapshots, so the reader folds them into
a blank :class:`~fillgate.engine.fold.State` (the same fold as live trading
and replay) to know each order's state after each event. It
reads a consistent prefix of the file (whole frames only) while the server
keeps appending, and yields to the event loop every few thousand records so
a long scan never stalls the order path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from fillgate.engine.fold import State, fold
from fillgate.journal.codec import Record, decode
from fillgate.journal.log import read_bodies
from fillgate.streams.bus import BusEvent

CHUNK = 2000


def iter_stream_events(path: Path, blank: State) -> Iterator[tuple[Record, BusEvent | None]]:
    """Yield every record with the stream event it produced (None for unstreamed records).

    ``blank`` is a state before the first event (``State.blank()``); it is folded into.
    """
    for body in read_bodies(path):
        record = decode(body)
        applied = fold(blank, record.event, record.exec_id)
        if record.stream_seq and applied.payload is not None:
            yield (
                record,
                BusEvent(record.stream_seq, applied.account, applied.symbol, applied.payload),
            )
        else:
            yield record, None


async def stream_events_between(
    path: Path, blank: State, after: int, up_to: int
) -> AsyncIterator[BusEvent]:
    """Yield the stream events with ``after < sequence <= up_to``, in order."""
    for index, (_, item) in enumerate(iter_stream_events(path, blank)):
        if index % CHUNK == 0:
            await asyncio.sleep(0)
        if item is None or item.sequence <= after:
            continue
        if item.sequence > up_to:
            return
        yield item
