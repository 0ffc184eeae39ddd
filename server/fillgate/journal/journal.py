"""Group commit: appends collect in memory and reach the file in one write per batch.

Every append made in one turn of the event loop (a submit's accepted, acked
and filled events; several clients' submits) joins the same batch. The batch
is written with one ``os.write`` and, under the ``batch`` policy, fsynced in
a worker thread while the loop goes on collecting the next batch. Callers
that must not answer before their records are durable await :meth:`durable`.

When a batch is durable, ``on_durable(stream_seq)`` releases the stream
events it holds to StreamFills consumers: nothing is streamed that a crash
could take back, so a consumer's sequence never refers to a lost event.

Fsync policies (like Redis's appendfsync):
- ``batch``: fsync every batch before its waiters resume (the default);
- ``interval``: write every batch, fsync once per ``interval_s``: a process
  crash loses nothing, a machine crash up to that interval;
- ``never``: leave flushing to the OS.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import Any

from fillgate.domain.errors import Unavailable
from fillgate.journal.codec import Record, decode, encode
from fillgate.journal.log import HEADER, JournalMark, recover, recover_after

log = logging.getLogger("fillgate.journal")


def _decoded(bodies: list[bytes], first: int = 1) -> Iterator[Record]:
    for expected, body in enumerate(bodies, start=first):
        record = decode(body)
        if record.journal_seq != expected:
            raise Unavailable(
                "JOURNAL_SEQUENCE_GAP",
                f"journal record {record.journal_seq} found where {expected} was expected",
                {"expected": str(expected), "found": str(record.journal_seq)},
            )
        yield record


class FsyncPolicy(StrEnum):
    BATCH = "batch"
    INTERVAL = "interval"
    NEVER = "never"


class Journal:
    """The append side of the journal; one writer (the event loop)."""

    def __init__(
        self,
        path: Path,
        policy: FsyncPolicy = FsyncPolicy.BATCH,
        *,
        interval_s: float = 1.0,
    ) -> None:
        self.path = path
        self.policy = policy
        self._interval_s = interval_s
        self._fd = -1
        self._lock_fd = -1
        self._next_seq = 1
        self._buf: list[bytes] = []
        self._stream_max = 0
        self._pending: asyncio.Future[None] | None = None  # the batch being collected
        self._inflight: asyncio.Future[None] | None = None  # the batch being fsynced
        self._scheduled = False
        self._syncing = False
        self._dirty = False
        self._failed: BaseException | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="journal-fsync")
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.on_durable: Callable[[int], None] = lambda stream_seq: None
        #: Observers for metrics: records per group commit, seconds per batch fsync.
        self.on_batch: Callable[[int], None] | None = None
        self.on_fsync: Callable[[float], None] | None = None
        self.batches = 0
        self.records = 0
        # Where the file ends once everything appended is written, and the last frame:
        # a snapshot's mark (see :meth:`mark`).
        self._end = 0
        self._last_start = 0
        self._last_crc = 0
        #: After :meth:`open`: the mark it resumed after, or None when it read everything.
        self.resumed: JournalMark | None = None

    # -- life cycle -----------------------------------------------------------

    def open(self, after: JournalMark | None = None) -> Iterator[Record]:
        """Recover the file (cutting a torn tail), open it for appending, return its records.

        With ``after`` (a snapshot's mark) only the records after it are read and
        returned, if the mark still holds; otherwise every record is (``resumed``
        says which). The records are decoded lazily as the caller iterates (a
        replay holds one at a time); iterate them all before :meth:`start`.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        recovered = None
        if after is not None:
            recovered = recover_after(self.path, after)
            if recovered is None or decode(recovered.anchor).journal_seq != after.journal_seq:
                log.warning(
                    "event=journal_mark_mismatch path=%s journal_seq=%d offset=%d "
                    "detail='the journal no longer holds the record the snapshot ends at'",
                    self.path,
                    after.journal_seq,
                    after.end,
                )
                recovered = None
        first = 1
        if recovered is None or after is None:
            recovered = recover(self.path)
        else:
            self.resumed = after
            first = after.journal_seq + 1
        self.records = first - 1 + len(recovered.bodies)
        self._next_seq = self.records + 1
        self._end = recovered.valid_bytes
        self._last_start, self._last_crc = recovered.last_start, recovered.last_crc
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        return _decoded(recovered.bodies, first)

    def _lock(self) -> None:
        """Take the journal for this process alone: two writers would interleave records."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = -1
            raise Unavailable(
                "JOURNAL_IN_USE",
                f"journal {self.path} is in use by another fillgate process; stop it first "
                "or give this one its own journal (--journal PATH)",
                {"path": str(self.path)},
            ) from None

    def start(self) -> None:
        """Bind to the running loop; start the interval fsync timer if the policy wants it."""
        self._loop = asyncio.get_running_loop()
        if self.policy is FsyncPolicy.INTERVAL:
            self._timer = self._loop.call_later(self._interval_s, self._interval_sync)

    async def close(self) -> None:
        """Write what is pending, fsync, and close."""
        if self._timer is not None:
            self._timer.cancel()
        while self._buf or self._syncing:
            if self._buf and not self._syncing:
                self._flush()
            await asyncio.sleep(0.001)
        if self._fd >= 0:
            if self.policy is not FsyncPolicy.NEVER:
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1
        self._pool.shutdown(wait=True)

    # -- appending ------------------------------------------------------------

    @property
    def next_seq(self) -> int:
        return self._next_seq

    def mark(self) -> JournalMark | None:
        """Return where the journal stands after everything appended so far (None: empty).

        Appended records still in memory count: a snapshot captured now covers
        them, and is only trusted at start-up once the file holds them too.
        """
        seq = self._next_seq - 1
        if seq == 0:
            return None
        return JournalMark(seq, self._last_start, self._end, self._last_crc)

    def append(self, event: Any, stream_seq: int = 0, exec_id: str = "") -> int:
        """Queue one event for the current batch; return its journal sequence."""
        if self._failed is not None:
            raise Unavailable("JOURNAL_FAILED", f"the journal cannot be written: {self._failed}")
        seq = self._next_seq
        self._next_seq += 1
        body = encode(event, seq, stream_seq, exec_id)
        crc = zlib.crc32(body)
        self._last_start, self._last_crc = self._end, crc
        self._end += HEADER.size + len(body)
        self._buf.append(HEADER.pack(len(body), crc) + body)
        if stream_seq:
            self._stream_max = stream_seq
        if not self._scheduled and not self._syncing:
            self._scheduled = True
            assert self._loop is not None, "journal used before start()"
            self._loop.call_soon(self._flush)
        return seq

    @property
    def settled(self) -> bool:
        """Nothing appended is still waiting to be written or fsynced."""
        return not self._buf and not self._syncing

    def durable(self) -> asyncio.Future[None]:
        """Return a future that completes once everything appended so far is durable."""
        if self._buf:
            if self._pending is None:
                assert self._loop is not None
                self._pending = self._loop.create_future()
            return self._pending
        if self._inflight is not None:
            return self._inflight
        assert self._loop is not None
        done = self._loop.create_future()
        done.set_result(None)
        return done

    def _flush(self) -> None:
        self._scheduled = False
        if not self._buf or self._syncing:
            return
        data = b"".join(self._buf)
        count = len(self._buf)
        self._buf.clear()
        waiters, self._pending = self._pending, None
        stream_max = self._stream_max
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            self._fail(exc, waiters)
            return
        self.batches += 1
        self.records += count
        if self.on_batch is not None:
            self.on_batch(count)
        if self.policy is FsyncPolicy.BATCH:
            assert self._loop is not None
            if waiters is None:
                # Nobody waited yet, but someone may ask while this fsync runs: they must
                # wait for it, so the in-flight batch always has a future.
                waiters = self._loop.create_future()
            self._syncing = True
            self._inflight = waiters
            began = time.perf_counter()
            synced = self._loop.run_in_executor(self._pool, os.fsync, self._fd)
            synced.add_done_callback(lambda f: self._synced(f, waiters, stream_max, began))
        else:
            self._dirty = True
            self._complete(waiters, stream_max)

    def _synced(
        self,
        result: asyncio.Future[None],
        waiters: asyncio.Future[None] | None,
        stream_max: int,
        began: float,
    ) -> None:
        self._syncing = False
        self._inflight = None
        if self.on_fsync is not None:
            self.on_fsync(time.perf_counter() - began)
        if result.exception() is not None:
            self._fail(result.exception(), waiters)  # type: ignore[arg-type]
            return
        self._complete(waiters, stream_max)
        if self._buf and not self._scheduled:
            self._scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)

    def _complete(self, waiters: asyncio.Future[None] | None, stream_max: int) -> None:
        if stream_max:
            self.on_durable(stream_max)
        if waiters is not None and not waiters.done():
            waiters.set_result(None)

    def _fail(self, exc: BaseException, waiters: asyncio.Future[None] | None) -> None:
        self._failed = exc
        log.critical("event=journal_write_failed path=%s error=%r", self.path, exc)
        error = Unavailable("JOURNAL_FAILED", f"the journal cannot be written: {exc}")
        for fut in (waiters, self._pending):
            if fut is not None and not fut.done():
                fut.set_exception(error)

    def _interval_sync(self) -> None:
        if self._dirty and self._fd >= 0:
            self._dirty = False
            assert self._loop is not None
            self._loop.run_in_executor(self._pool, os.fsync, self._fd)
        assert self._loop is not None
        self._timer = self._loop.call_later(self._interval_s, self._interval_sync)
