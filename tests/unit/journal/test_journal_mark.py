"""The journal's mark: where a snapshot stands, and reading only what follows it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fillgate.domain import events as ev
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.journal.log import HEADER, JournalMark, iter_bodies
from fillgate.journal.snapshots import SnapshotInvalid, read_snapshot, write_snapshot


def _event(i: int) -> ev.OrderCanceled:
    return ev.OrderCanceled(order_id=f"O-{i}", ts_ns=i, reason="r" * i)


async def _write(path: Path, count: int) -> JournalMark | None:
    journal = Journal(path, FsyncPolicy.NEVER)
    list(journal.open())
    journal.start()
    for i in range(count):
        journal.append(_event(i), exec_id=f"X-{i}")
    await journal.close()
    return journal.mark()


def _records_end(path: Path) -> int:
    """Where the file's records end; an open journal keeps only zeros after them."""
    data = path.read_bytes()
    end = 0
    for offset, body in iter_bodies(data):
        end = offset + HEADER.size + len(body)
    assert not data[end:].strip(b"\0")
    return end


def _reopen(path: Path, after: JournalMark | None = None) -> tuple[Journal, list[int]]:
    journal = Journal(path, FsyncPolicy.NEVER)
    seqs = [r.journal_seq for r in journal.open(after=after)]
    return journal, seqs


async def test_journal_mark_after_reopen_equals_mark_when_written(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    written = await _write(path, 5)
    journal, _ = _reopen(path)
    assert journal.mark() == written
    assert written is not None and written.end == _records_end(path)
    await journal.close()


async def test_journal_open_after_mark_returns_only_later_records(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    mark = await _write(path, 3)
    journal = Journal(path, FsyncPolicy.NEVER)
    list(journal.open())
    journal.start()
    for i in range(3, 7):
        journal.append(_event(i))
    await journal.close()
    reopened, seqs = _reopen(path, after=mark)
    assert seqs == [4, 5, 6, 7]
    assert reopened.resumed == mark and reopened.next_seq == 8
    await reopened.close()


async def test_journal_open_after_mark_cuts_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    mark = await _write(path, 3)
    with open(path, "ab") as f:
        f.write(b"\x40\x00\x00\x00torn")
    reopened, seqs = _reopen(path, after=mark)
    assert (seqs, reopened.resumed) == ([], mark)
    assert mark is not None and _records_end(path) == mark.end
    await reopened.close()


async def test_journal_open_after_mark_past_end_reads_everything(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    mark = await _write(path, 4)
    assert mark is not None
    with open(path, "r+b") as f:
        f.truncate(mark.frame_start)  # the record the mark ends at is gone
    reopened, seqs = _reopen(path, after=mark)
    assert (seqs, reopened.resumed) == ([1, 2, 3], None)
    await reopened.close()


async def test_journal_open_after_mark_with_other_crc_reads_everything(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    mark = await _write(path, 4)
    assert mark is not None
    other = JournalMark(mark.journal_seq, mark.frame_start, mark.end, mark.crc ^ 1)
    reopened, seqs = _reopen(path, after=other)
    assert (seqs, reopened.resumed) == ([1, 2, 3, 4], None)
    await reopened.close()


def test_snapshot_file_round_trip_returns_header_and_chunks(tmp_path: Path) -> None:
    journal = tmp_path / "j.log"
    mark = JournalMark(9, 100, 140, 1234)
    path = write_snapshot(journal, mark, {"k": "v"}, iter([b"[1]", b"[2,3]"]))
    loaded = read_snapshot(path)
    assert (loaded.mark, loaded.header["k"], loaded.chunks) == (mark, "v", [b"[1]", b"[2,3]"])


def test_snapshot_file_missing_chunk_is_invalid(tmp_path: Path) -> None:
    journal = tmp_path / "j.log"
    path = write_snapshot(journal, JournalMark(1, 0, 10, 5), {}, iter([b"[1]", b"[2]"]))
    data = path.read_bytes()
    header_end = data.index(b"[1]") - 8  # drop the first chunk's whole frame
    path.write_bytes(data[:header_end] + data[header_end + 8 + 3 :])
    try:
        read_snapshot(path)
    except SnapshotInvalid as exc:
        assert "trailer" in str(exc)
    else:
        raise AssertionError("a snapshot with a frame missing was accepted")


def test_snapshot_file_leaves_no_temporary_file(tmp_path: Path) -> None:
    journal = tmp_path / "j.log"
    write_snapshot(journal, JournalMark(1, 0, 10, 5), {}, iter([b"[1]"]))
    assert [p.name for p in tmp_path.iterdir()] == ["j.log.snapshot.000000000001"]


async def test_journal_mark_counts_records_not_yet_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.log", FsyncPolicy.NEVER)
    list(journal.open())
    journal.start()
    journal.append(_event(1))
    mark = journal.mark()
    assert mark is not None and mark.journal_seq == 1 and mark.end > 0
    await asyncio.sleep(0)
    await journal.close()
    assert mark.end == os.path.getsize(tmp_path / "j.log")


def test_snapshot_file_failed_write_leaves_nothing(tmp_path: Path) -> None:
    journal = tmp_path / "j.log"

    def chunks() -> Iterator[bytes]:
        yield b"[1]"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_snapshot(journal, JournalMark(1, 0, 10, 5), {}, chunks())
    assert list(tmp_path.iterdir()) == []
