"""When snapshots are taken and which one a start-up trusts.

The :class:`Snapshotter` takes a snapshot every ``every`` journal records
(checked once a second) and one at a clean shutdown. A large state waits
longer: not before the journal has grown by as many records as there are
orders, since writing a snapshot costs about as much as replaying that many
records (measured: ~15 us per order written, ~11 us per record replayed).
Without that bound, a million orders at a busy hour would keep a snapshot
always in progress, its worker taking a share of the GIL from the order
path, for restarts only marginally shorter. Taking one never stalls
the order path for long: :func:`~fillgate.engine.snapshot.capture` runs on the
event loop between two events (a copy of the open orders, the memo, the
book's dicts and the retained stream events, no copy of the finished orders),
then the snapshot waits for the journal to hold everything it covers, and is
encoded and written in a worker thread.

At start-up, :func:`newest_usable` picks the newest snapshot that reads back
whole (magic, version, checksums), was taken under the same starting cash and
symbols, and whose journal mark still holds (the journal still has the
record it ends at, where it was); anything else is logged and deleted, and
without a usable snapshot the whole journal is replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fillgate.engine.engine import Engine
from fillgate.engine.fold import State
from fillgate.engine.snapshot import capture, encode, fingerprint, header
from fillgate.engine.snapshot_load import Image, decode
from fillgate.journal.journal import Journal
from fillgate.journal.log import JournalMark, mark_holds
from fillgate.journal.snapshots import (
    SnapshotInvalid,
    discard,
    list_snapshots,
    prune,
    read_snapshot,
    write_snapshot,
)

log = logging.getLogger("fillgate.snapshot")

#: Snapshots kept on disk: the newest, and one to fall back to.
KEEP = 2


@dataclass(frozen=True, slots=True)
class Usable:
    """A snapshot a start-up may load: where it ends in the journal, and its data."""

    path: Path
    mark: JournalMark
    image: Image


def newest_usable(journal: Path, state: State) -> Usable | None:
    """Return the newest snapshot that may be trusted, deleting those that may not."""
    expected = fingerprint(state)
    for found in list_snapshots(journal):
        started = time.perf_counter()
        try:
            loaded = read_snapshot(found.path)
        except SnapshotInvalid as exc:
            discard(found.path, f"damaged: {exc}")
            continue
        if loaded.mark.journal_seq != found.journal_seq:
            discard(found.path, "its name and its journal mark disagree")
            continue
        if loaded.header.get("fingerprint") != expected:
            discard(found.path, "taken under other starting cash or symbols")
            continue
        if not mark_holds(journal, loaded.mark):
            discard(found.path, "the journal no longer holds the record it ends at")
            continue
        try:
            image = decode(loaded.header, loaded.chunks)
        except Exception as exc:  # anything malformed means: do not trust it
            discard(found.path, f"undecodable: {exc!r}")
            continue
        log.info(
            "event=snapshot_loaded path=%s journal_seq=%d orders=%d seconds=%.3f",
            found.path,
            loaded.mark.journal_seq,
            len(image.orders),
            time.perf_counter() - started,
        )
        return Usable(found.path, loaded.mark, image)
    return None


class Snapshotter:
    """Take a snapshot every ``every`` journal records and at shutdown; one at a time."""

    def __init__(
        self,
        engine: Engine,
        journal: Journal,
        every: int,
        *,
        check_interval_s: float = 1.0,
        pause_s: float = 0.0002,
    ) -> None:
        self._engine = engine
        self._journal = journal
        self._every = every
        self._check_interval_s = check_interval_s
        self._pause_s = pause_s
        self._last = journal.resumed.journal_seq if journal.resumed is not None else 0
        self._timer: asyncio.TimerHandle | None = None
        self._running: asyncio.Task[Path | None] | None = None
        #: The on-loop pause of the last capture, in seconds (for metrics and benchmarks).
        self.last_capture_s = 0.0
        #: How long the last snapshot took to encode and write, in seconds.
        self.last_write_s = 0.0

    def start(self) -> None:
        """Start checking the journal's length (call on the running loop)."""
        if self._every > 0:
            self._schedule()

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._check_interval_s, self._tick)

    def _due(self) -> bool:
        """Enough records since the last snapshot: ``every``, and the number of orders."""
        grown = self._journal.next_seq - 1 - self._last
        return grown >= self._every and grown >= len(self._engine.state.orders.sequence)

    def _tick(self) -> None:
        if self._running is None and self._due():
            self._running = asyncio.get_running_loop().create_task(self.take())
            self._running.add_done_callback(self._done)
        self._schedule()

    def _done(self, task: asyncio.Task[Path | None]) -> None:
        self._running = None
        if not task.cancelled() and task.exception() is not None:
            log.error("event=snapshot_failed error=%r", task.exception())

    async def take(self, *, yielding: bool = True) -> Path | None:
        """Capture now, wait until the journal holds it, write it; return its path.

        ``yielding`` lets the writer pause between chunks so the loop keeps the
        GIL promptly; at shutdown nothing is waiting for it.
        """
        # Marks kept aside go into the journal first, so the snapshot's state is exactly
        # what a replay of the journal up to its mark rebuilds.
        self._engine.marks.flush()
        mark = self._journal.mark()
        if mark is None:
            return None
        # Counted as taken even if it fails (a full disk): the next try comes `every`
        # records later, not at every check.
        self._last = mark.journal_seq
        engine = self._engine
        started = time.perf_counter()
        cap = capture(engine.state, engine.bus, mark, engine.clock.now_ns())
        self.last_capture_s = time.perf_counter() - started
        await self._journal.durable()
        started = time.perf_counter()
        pause_s = self._pause_s if yielding else 0.0
        path = await asyncio.to_thread(self._write, mark, header(cap), encode(cap), pause_s)
        self.last_write_s = time.perf_counter() - started
        log.info(
            "event=snapshot_written path=%s journal_seq=%d orders=%d capture_ms=%.2f write_s=%.3f",
            path,
            mark.journal_seq,
            cap.count,
            self.last_capture_s * 1e3,
            self.last_write_s,
        )
        return path

    def _write(
        self, mark: JournalMark, head: dict[str, Any], chunks: Iterator[bytes], pause_s: float
    ) -> Path:
        path = write_snapshot(self._journal.path, mark, head, chunks, pause_s=pause_s)
        prune(self._journal.path, KEEP)
        return path

    async def close(self, *, final: bool = True) -> None:
        """Stop checking; finish a snapshot in progress; take a last one if anything is new."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running is not None:
            with contextlib.suppress(Exception):  # already logged by _done
                await self._running
        if final and self._every > 0 and self._journal.next_seq - 1 > self._last:
            try:
                await self.take(yielding=False)
            except Exception as exc:  # a failed snapshot only costs a longer start
                log.error("event=snapshot_failed error=%r", exc)
