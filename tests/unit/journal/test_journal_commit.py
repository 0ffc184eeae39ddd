"""The journal's commit path: preallocated file, pipelined writes, one sync thread."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import fillgate.journal.journal as module
from fillgate.domain import events as ev
from fillgate.domain.errors import Unavailable
from fillgate.journal.journal import PREALLOCATE_FIRST, FsyncPolicy, Journal
from fillgate.journal.log import HEADER, TAIL_SCAN_LIMIT, iter_bodies


def _event(i: int) -> ev.OrderCanceled:
    return ev.OrderCanceled(order_id=f"O-{i}", ts_ns=i, reason="r" * 50)


def _records_end(data: bytes) -> int:
    end = 0
    for offset, body in iter_bodies(data):
        end = offset + HEADER.size + len(body)
    return end


class SyncGate:
    """Holds every commit sync (fdatasync) until opened; counts them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.open = threading.Event()
        self.calls = 0
        real = module.os.fdatasync

        def gated(fd: int) -> None:
            self.calls += 1
            self.open.wait(5)
            real(fd)

        monkeypatch.setattr(module.os, "fdatasync", gated)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[SyncGate]:
    g = SyncGate(monkeypatch)
    yield g
    g.open.set()


async def _started(path: Path, policy: FsyncPolicy = FsyncPolicy.BATCH) -> Journal:
    journal = Journal(path, policy)
    list(journal.open())
    journal.start()
    return journal


async def test_journal_open_preallocates_zeros_after_the_records(tmp_path: Path) -> None:
    journal = await _started(tmp_path / "j.log")
    journal.append(_event(1))
    await journal.durable()
    data = (tmp_path / "j.log").read_bytes()
    end = _records_end(data)
    assert end > 0 and len(data) >= PREALLOCATE_FIRST
    assert not data[end:].strip(b"\0")
    await journal.close()


async def test_journal_close_cuts_the_preallocated_space_off(tmp_path: Path) -> None:
    journal = await _started(tmp_path / "j.log")
    journal.append(_event(1))
    await journal.close()
    data = (tmp_path / "j.log").read_bytes()
    assert len(data) == _records_end(data)


async def test_journal_crash_with_preallocated_zeros_recovers_every_record_without_a_warning(
    tmp_path: Path, log_events
) -> None:  # type: ignore[no-untyped-def]
    journal = await _started(tmp_path / "j.log")
    for i in range(3):
        journal.append(_event(i))
    await journal.durable()
    shutil.copy(tmp_path / "j.log", tmp_path / "crashed.log")  # as a kill -9 leaves it
    await journal.close()
    records = list(Journal(tmp_path / "crashed.log").open())
    assert [r.journal_seq for r in records] == [1, 2, 3]
    assert not log_events("journal_tail_truncated")


async def test_journal_torn_record_before_many_zeros_is_a_torn_tail_not_corruption(
    tmp_path: Path, log_events
) -> None:  # type: ignore[no-untyped-def]
    journal = await _started(tmp_path / "j.log")
    for i in range(2):
        journal.append(_event(i))
    await journal.close()
    with open(tmp_path / "j.log", "ab") as f:
        f.write(b"\x40\x00\x00\x00torn" + bytes(TAIL_SCAN_LIMIT + 4096))
    records = list(Journal(tmp_path / "j.log").open())
    assert [r.journal_seq for r in records] == [1, 2]
    (cut,) = log_events("journal_tail_truncated")
    assert cut["truncated_bytes"] == "8"  # the torn bytes; the zeros are free space


async def test_journal_batch_appended_while_one_syncs_is_written_at_once(
    tmp_path: Path, gate: SyncGate
) -> None:
    journal = await _started(tmp_path / "j.log")
    journal.append(_event(1))
    first = journal.durable()
    await asyncio.sleep(0.02)  # batch 1 written; its sync is held by the gate
    journal.append(_event(2))
    second = journal.durable()
    await asyncio.sleep(0.02)
    data = (tmp_path / "j.log").read_bytes()
    assert len(list(iter_bodies(data))) == 2  # batch 2 is in the file, not held back
    assert not first.done() and not second.done()
    gate.open.set()
    await asyncio.wait_for(asyncio.gather(first, second), 2)
    assert journal.settled
    await journal.close()


async def test_journal_later_batches_complete_only_after_a_sync_that_covers_them(
    tmp_path: Path, gate: SyncGate
) -> None:
    journal = await _started(tmp_path / "j.log")
    released: list[int] = []
    journal.on_durable = released.append
    journal.append(_event(1), stream_seq=1)
    first = journal.durable()
    await asyncio.sleep(0.02)
    journal.append(_event(2), stream_seq=2)
    second = journal.durable()
    await asyncio.sleep(0.02)
    assert released == []  # nothing is streamed before its sync
    gate.open.set()
    await asyncio.wait_for(second, 2)
    assert first.done() and gate.calls >= 2  # the second batch needed a sync of its own
    assert released == [1, 2]
    await journal.close()


async def test_journal_sync_failure_fails_the_waiters_and_refuses_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(module.os, "fdatasync", failing)
    journal = await _started(tmp_path / "j.log")
    journal.append(_event(1))
    with pytest.raises(Unavailable):
        await asyncio.wait_for(journal.durable(), 2)
    with pytest.raises(Unavailable):
        journal.append(_event(2))
    await journal.close()


async def test_journal_grows_its_allocation_ahead_of_the_records(tmp_path: Path) -> None:
    journal = await _started(tmp_path / "j.log", FsyncPolicy.NEVER)
    i = 0
    while journal.mark() is None or journal.mark().end < PREALLOCATE_FIRST:  # type: ignore[union-attr]
        for _ in range(200):
            journal.append(_event(i))
            i += 1
        await journal.durable()
    async with asyncio.timeout(5):
        while journal._extending:  # the background step must finish
            await asyncio.sleep(0.01)
    size = (tmp_path / "j.log").stat().st_size
    assert size > journal.mark().end  # type: ignore[union-attr]
    await journal.close()
    data = (tmp_path / "j.log").read_bytes()
    assert len(list(iter_bodies(data))) == i
