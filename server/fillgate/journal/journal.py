"""Group commit: appends collect in memory and reach the file in one write per batch.

Every append made in one turn of the event loop (a submit's accepted, acked
and filled events; several clients' submits) joins the same batch. The batch
is written with one ``pwrite`` at once, even while an earlier batch is being
synced (a pipelined group commit), and one dedicated sync thread makes the
file durable up to the last byte written, again and again, as long as there is
something new. Callers that must not answer before their records are durable
await :meth:`durable`; the sync thread wakes the loop through an eventfd.

The file is **preallocated** ahead of the records (zeros written at open,
then ``posix_fallocate`` steps doubling up to 64 MiB, in a background thread),
so that a commit writes into blocks the file already has and ``fdatasync``
flushes only the data: no file-size change reaches the filesystem journal per
commit.
Measured on this project's machines (ext4 on a virtual disk, 600-byte
commits): append + fsync p50 130-140 us, p99 230-250 us; preallocated +
fdatasync p50 90 us, p99 145 us. Recovery treats the zeros after the last
record as free space, not as a torn tail; :meth:`close` cuts them off.

When a batch is durable, ``on_durable(stream_seq)`` releases the stream
events it holds to StreamFills consumers: nothing is streamed that a crash
could take back, so a consumer's sequence never refers to a lost event.

Fsync policies (like Redis's appendfsync), and what a crash can lose:
- ``batch`` (the default): every batch is synced before its waiters resume
  and before its stream events are released: nothing acknowledged is lost,
  by a process crash or by a machine crash;
- ``interval``: every batch is written at once and synced once per
  ``interval_s``: a process crash loses nothing; a machine (power, kernel)
  crash loses up to ``interval_s`` of acknowledged records;
- ``never``: written at once, flushed when the OS decides: a process crash
  loses nothing; a machine crash loses whatever the OS had not written
  (typically up to 30 s).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
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


#: Preallocation: the first step, the largest step, and how much free space is kept ahead.
PREALLOCATE_FIRST = 1 << 20
PREALLOCATE_MAX = 64 << 20
_ZEROS = bytes(1 << 20)


def _datasync(fd: int) -> None:
    """Flush the file's data (and only the metadata needed to read it back)."""
    sync = getattr(os, "fdatasync", None) or os.fsync  # fdatasync: Linux; fsync elsewhere
    sync(fd)


class _Batch:
    """A written batch: where it ends in the file, who waits for it, what it releases."""

    __slots__ = ("end", "stream_max", "waiters")

    def __init__(self, end: int, stream_max: int, waiters: asyncio.Future[None]) -> None:
        self.end = end
        self.stream_max = stream_max
        self.waiters = waiters


class _Syncer:
    """The sync thread: makes the file durable up to the latest byte it was asked for.

    ``request(end)`` from the loop; after each sync the thread records the end it
    covered (or the error) and signals the loop through ``notify``.
    """

    def __init__(self, fd: int, notify: Callable[[], None]) -> None:
        self._fd = fd
        self._notify = notify
        self._cond = threading.Condition()
        self._wanted = 0
        self._stop = False
        self.synced = 0
        self.seconds: deque[float] = deque()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="journal-sync", daemon=True)
        self._thread.start()

    def request(self, end: int) -> None:
        with self._cond:
            if end > self._wanted:
                self._wanted = end
                self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted <= self.synced and not self._stop:
                    self._cond.wait()
                if self._wanted <= self.synced:
                    return
                end = self._wanted
            began = time.perf_counter()
            try:
                _datasync(self._fd)
            except OSError as exc:
                self.error = exc
                self._notify()
                return
            self.seconds.append(time.perf_counter() - began)
            self.synced = end
            self._notify()


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
        self._unsynced: deque[_Batch] = deque()  # written, waiting for the sync thread
        self._scheduled = False
        self._failed: BaseException | None = None
        self._syncer: _Syncer | None = None
        self._wake_fd = -1
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
        self._written = 0  # bytes of records in the file (the rest up to _allocated is zeros)
        self._allocated = 0
        self._extending = False
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
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o640)
        self._written = self._end
        self._allocated = os.fstat(self._fd).st_size
        self._preallocate(self._allocated, max(PREALLOCATE_FIRST, self._end // 8))
        os.fsync(self._fd)  # the preallocated size is durable before any commit counts on it
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
        """Bind to the running loop; start the sync thread (and the interval timer)."""
        loop = self._loop = asyncio.get_running_loop()
        if self.policy is FsyncPolicy.NEVER:
            return
        eventfd = getattr(os, "eventfd", None)
        if eventfd is not None:  # Linux: the thread's signal is a readable fd on the loop
            self._wake_fd = eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            loop.add_reader(self._wake_fd, self._woken)
            wake_fd = self._wake_fd
            self._syncer = _Syncer(self._fd, lambda: os.eventfd_write(wake_fd, 1))
        else:

            def notify() -> None:
                loop.call_soon_threadsafe(self._synced)

            self._syncer = _Syncer(self._fd, notify)
        if self.policy is FsyncPolicy.INTERVAL:
            self._timer = loop.call_later(self._interval_s, self._interval_sync)

    async def close(self) -> None:
        """Write what is pending, sync, cut the preallocated zeros off, and close."""
        if self._timer is not None:
            self._timer.cancel()
        if self._buf and self._failed is None:
            self._flush()
        while self._unsynced and self._failed is None and self._syncer is not None:
            await asyncio.sleep(0.001)
        if self._syncer is not None:
            self._syncer.stop()
            self._syncer = None
        if self._wake_fd >= 0:
            assert self._loop is not None
            self._loop.remove_reader(self._wake_fd)
            os.close(self._wake_fd)
            self._wake_fd = -1
        if self._fd >= 0:
            while self._extending:  # the extender thread writes zeros through this fd
                await asyncio.sleep(0.001)
            if self._failed is None:
                os.ftruncate(self._fd, self._written)
            if self.policy is not FsyncPolicy.NEVER:
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

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
        if not self._scheduled:
            self._scheduled = True
            assert self._loop is not None, "journal used before start()"
            self._loop.call_soon(self._flush)
        return seq

    @property
    def settled(self) -> bool:
        """Nothing appended is still waiting to be written or synced."""
        return not self._buf and not self._unsynced

    def durable(self) -> asyncio.Future[None]:
        """Return a future that completes once everything appended so far is durable."""
        assert self._loop is not None
        if self._buf:
            if self._pending is None:
                self._pending = self._loop.create_future()
            return self._pending
        if self._unsynced:
            return self._unsynced[-1].waiters
        done = self._loop.create_future()
        if self._failed is not None:
            done.set_exception(self._failure())
        else:
            done.set_result(None)
        return done

    def _flush(self) -> None:
        """Write the collected batch now, even while an earlier one is being synced."""
        self._scheduled = False
        if not self._buf or self._failed is not None:
            return
        data = b"".join(self._buf)
        count = len(self._buf)
        self._buf.clear()
        assert self._loop is not None
        # Someone may ask durable() while this batch syncs: the batch always has a future.
        waiters = self._pending or self._loop.create_future()
        self._pending = None
        try:
            view = memoryview(data)
            offset = self._written
            while view:
                written = os.pwrite(self._fd, view, offset)
                view = view[written:]
                offset += written
        except OSError as exc:
            self._fail(exc, waiters)
            return
        self._written = offset
        self.batches += 1
        self.records += count
        if self.on_batch is not None:
            self.on_batch(count)
        if self._allocated - offset < self._allocated // 4:  # a quarter left: grow ahead
            self._extend()
        if self.policy is FsyncPolicy.BATCH:
            assert self._syncer is not None
            self._unsynced.append(_Batch(offset, self._stream_max, waiters))
            self._syncer.request(offset)
        else:
            self._complete(waiters, self._stream_max)

    def _woken(self) -> None:
        try:
            os.eventfd_read(self._wake_fd)
        except BlockingIOError:
            return
        self._synced()

    def _synced(self) -> None:
        """On the loop: complete every batch the sync thread has made durable, in order."""
        syncer = self._syncer
        if syncer is None:
            return
        while syncer.seconds:
            seconds = syncer.seconds.popleft()
            if self.on_fsync is not None:
                self.on_fsync(seconds)
        if syncer.error is not None:
            self._fail(syncer.error, None)
            return
        synced = syncer.synced
        unsynced = self._unsynced
        while unsynced and unsynced[0].end <= synced:
            batch = unsynced.popleft()
            self._complete(batch.waiters, batch.stream_max)

    def _complete(self, waiters: asyncio.Future[None] | None, stream_max: int) -> None:
        if stream_max:
            self.on_durable(stream_max)
        if waiters is not None and not waiters.done():
            waiters.set_result(None)

    def _failure(self) -> Unavailable:
        return Unavailable("JOURNAL_FAILED", f"the journal cannot be written: {self._failed}")

    def _fail(self, exc: BaseException, waiters: asyncio.Future[None] | None) -> None:
        self._failed = exc
        log.critical("event=journal_write_failed path=%s error=%r", self.path, exc)
        error = self._failure()
        futures = [waiters, self._pending, *(b.waiters for b in self._unsynced)]
        self._unsynced.clear()
        for fut in futures:
            if fut is not None and not fut.done():
                fut.set_exception(error)

    def _interval_sync(self) -> None:
        if self._syncer is not None:
            self._syncer.request(self._written)
        assert self._loop is not None
        self._timer = self._loop.call_later(self._interval_s, self._interval_sync)

    # -- preallocation --------------------------------------------------------

    def _preallocate(self, at: int, size: int) -> None:
        """Write ``size`` bytes of zeros from ``at`` (the file's current end)."""
        end = at + size
        while at < end:
            at += os.pwrite(self._fd, _ZEROS[: min(len(_ZEROS), end - at)], at)
        self._allocated = end

    def _extend(self) -> None:
        """Grow the allocated space ahead of the records, in a background thread.

        ``posix_fallocate`` reserves blocks without writing them, so it can never
        overwrite a record the loop writes meanwhile (zeros written from another
        thread could). Its blocks are unwritten extents until first written;
        measured here, commits into them cost about as much as into zeroed blocks
        at p50 (85 us) and somewhat more at p99 (175 us against 145 us).
        """
        if self._extending:
            return
        self._extending = True
        at = self._allocated
        size = min(max(PREALLOCATE_FIRST, at), PREALLOCATE_MAX)

        def run() -> None:
            try:
                os.posix_fallocate(self._fd, at, size)
                os.fsync(self._fd)  # the new size, once, off the commit path
                self._allocated = at + size
            except OSError as exc:  # out of space: commits go on extending the file
                log.warning("event=journal_preallocate_failed path=%s error=%r", self.path, exc)
            finally:
                self._extending = False

        threading.Thread(target=run, name="journal-extend", daemon=True).start()
