"""The journal file: framed records with a CRC32 each, and torn-tail recovery.

Why an append-only file and not SQLite: the journal is written once per group
commit with a single ``write`` (+ ``fsync`` by policy) and read back
sequentially at start-up; nothing updates records in place. A length + CRC32
frame makes a torn or corrupt tail detectable without a database's
write-ahead machinery, keeps group commit under our control, and replays a
million records at the speed of ``json.loads``.

Frame: ``<u32 length><u32 crc32(body)><body>``, little-endian.

The writer preallocates the file ahead of its records (see ``journal.py``),
so after a crash the records may be followed by zeros: a zero length is never
a frame, and zeros after the last good frame are free space, not a torn tail.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fillgate.domain.errors import FillgateError

log = logging.getLogger("fillgate.journal")

HEADER = struct.Struct("<II")
MAX_RECORD = 1 << 20
#: How far past a bad frame recovery looks for a good one before calling it a torn tail.
TAIL_SCAN_LIMIT = 4 << 20


class JournalCorrupt(FillgateError):
    """A bad record sits before good ones: not a torn tail, so recovery refuses to guess."""


def frame(body: bytes) -> bytes:
    return HEADER.pack(len(body), zlib.crc32(body)) + body


def _frame_ok(data: bytes | memoryview, offset: int, size: int) -> int:
    """Return the end offset of a valid frame at ``offset``, or -1."""
    if offset + HEADER.size > size:
        return -1
    length, crc = HEADER.unpack_from(data, offset)
    end: int = offset + HEADER.size + length
    if length == 0 or length > MAX_RECORD or end > size:
        return -1
    if zlib.crc32(data[offset + HEADER.size : end]) != crc:
        return -1
    return end


def iter_bodies(
    data: bytes, *, strict_tail: bool = False, start: int = 0, base: int = 0
) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, body) for each valid frame from ``start``; stop at the first bad one.

    With ``strict_tail`` a bad frame followed by a good one raises JournalCorrupt.
    ``base`` is where ``data`` begins in the file (for the error's byte offsets).
    """
    size = len(data)
    offset = start
    unpack = HEADER.unpack_from
    crc32 = zlib.crc32
    hsize = HEADER.size
    while offset < size:
        if offset + hsize <= size:
            length, crc = unpack(data, offset)
            end = offset + hsize + length
            if 0 < length <= MAX_RECORD and end <= size:
                body = data[offset + hsize : end]
                if crc32(body) == crc:
                    yield offset, body
                    offset = end
                    continue
        if strict_tail:
            _check_tail(data, offset, base)
        return


def _content_end(data: bytes, start: int) -> int:
    """Return where the bytes from ``start`` stop being anything but preallocated zeros."""
    return start + len(data[start:].rstrip(b"\0"))


def _check_tail(data: bytes, bad: int, base: int = 0) -> None:
    size = _content_end(data, bad)
    limit = min(size, bad + TAIL_SCAN_LIMIT)
    for candidate in range(bad + 1, limit):
        if _frame_ok(data, candidate, size) >= 0:
            raise JournalCorrupt(
                "JOURNAL_CORRUPT",
                f"journal record at byte {base + bad} is damaged but good records follow at "
                f"byte {base + candidate}: refusing to start; inspect the file",
                {"offset": str(base + bad), "next_good": str(base + candidate)},
            )
    if limit < size:
        raise JournalCorrupt(
            "JOURNAL_CORRUPT",
            f"journal record at byte {base + bad} is damaged with {size - bad} bytes after it",
            {"offset": str(base + bad)},
        )


@dataclass(frozen=True, slots=True)
class JournalMark:
    """Where a snapshot stands in the journal: its last record and that record's frame.

    A start-up from the snapshot reads the journal from ``end`` only, after
    checking that the frame at ``frame_start`` still ends at ``end`` with the
    same CRC: a journal cut back (a torn tail after the snapshot was written)
    or replaced fails the check, and the snapshot is not trusted.
    """

    #: The journal sequence of the last record the snapshot covers.
    journal_seq: int
    #: Byte offset of that record's frame.
    frame_start: int
    #: Byte offset just past it: where the records after the snapshot begin.
    end: int
    #: The CRC32 of that record's body, as its frame header states it.
    crc: int


@dataclass(frozen=True, slots=True)
class Recovered:
    """What recovery found: the good bodies, and what it cut off the tail."""

    bodies: list[bytes]
    valid_bytes: int
    truncated_bytes: int
    #: Byte offset of the last good frame (0 when there is none).
    last_start: int = 0
    #: The CRC32 of the last good frame's body (0 when there is none).
    last_crc: int = 0
    #: For a recovery after a mark: the body of the marked record.
    anchor: bytes = b""


def recover(path: Path) -> Recovered:
    """Read every good record and cut a torn or corrupt tail off the file, saying so."""
    if not path.exists():
        return Recovered([], 0, 0)
    data = path.read_bytes()
    return _recover_from(path, data, 0, 0)


def recover_after(path: Path, mark: JournalMark) -> Recovered | None:
    """Read only the records after ``mark`` (cutting a torn tail); None when the mark fails.

    The mark fails when its frame is not where it was, or not the same frame:
    the file was cut back below it, or replaced. Only the marked frame and
    what follows it are read and CRC-checked.
    """
    if not path.exists() or mark.frame_start < 0 or mark.end <= mark.frame_start:
        return None
    with open(path, "rb") as f:
        f.seek(mark.frame_start)
        data = f.read()
    anchor_end = _frame_ok(data, 0, len(data))
    if anchor_end != mark.end - mark.frame_start:
        return None
    _, crc = HEADER.unpack_from(data, 0)
    if crc != mark.crc:
        return None
    anchor = data[HEADER.size : anchor_end]
    recovered = _recover_from(path, data, anchor_end, mark.frame_start)
    if not recovered.bodies:
        return Recovered(
            [], recovered.valid_bytes, recovered.truncated_bytes, mark.frame_start, crc, anchor
        )
    return Recovered(
        recovered.bodies,
        recovered.valid_bytes,
        recovered.truncated_bytes,
        recovered.last_start,
        recovered.last_crc,
        anchor,
    )


def mark_holds(path: Path, mark: JournalMark) -> bool:
    """Tell whether the journal still has the marked frame where the mark says (reads one frame)."""
    if not path.exists() or mark.frame_start < 0 or mark.end <= mark.frame_start:
        return False
    with open(path, "rb") as f:
        f.seek(mark.frame_start)
        data = f.read(mark.end - mark.frame_start)
    if _frame_ok(data, 0, len(data)) != len(data):
        return False
    crc: int = HEADER.unpack_from(data, 0)[1]
    return crc == mark.crc


def _recover_from(path: Path, data: bytes, start: int, base: int) -> Recovered:
    """Collect the good frames of ``data`` (the file from byte ``base``) from ``start``."""
    bodies: list[bytes] = []
    end = start
    last = -1
    for offset, body in iter_bodies(data, strict_tail=True, start=start, base=base):
        bodies.append(body)
        last = offset
        end = offset + HEADER.size + len(body)
    last_start = last_crc = 0
    if last >= 0:
        last_start = base + last
        _, last_crc = HEADER.unpack_from(data, last)
    cut = _content_end(data, end) - end  # what was not records; zeros are free space
    if cut:
        log.warning(
            "event=journal_tail_truncated path=%s valid_bytes=%d truncated_bytes=%d records=%d "
            "detail='a torn or corrupt last record was cut off; nothing of it was applied'",
            path,
            base + end,
            cut,
            len(bodies),
        )
    if len(data) > end:  # a torn tail, or preallocated space: the writer allocates anew
        with open(path, "r+b") as f:
            f.truncate(base + end)
            os.fsync(f.fileno())
    return Recovered(bodies, base + end, cut, last_start, last_crc)


def read_bodies(path: Path) -> Iterator[bytes]:
    """Yield the bodies of a journal being written by someone else (stops at a partial tail)."""
    if not path.exists():
        return
    data = path.read_bytes()
    for _, body in iter_bodies(data):
        yield body
