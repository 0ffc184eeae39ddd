"""The journal file: framed records with a CRC32 each, and torn-tail recovery.

Why an append-only file and not SQLite: the journal is written once per group
commit with a single ``write`` (+ ``fsync`` by policy) and read back
sequentially at start-up; nothing updates records in place. A length + CRC32
frame makes a torn or corrupt tail detectable without a database's
write-ahead machinery, keeps group commit under our control, and replays a
million records at the speed of ``json.loads``.

Frame: ``<u32 length><u32 crc32(body)><body>``, little-endian.
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


def iter_bodies(data: bytes, *, strict_tail: bool = False) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, body) for each valid frame; stop at the first bad one.

    With ``strict_tail`` a bad frame followed by a good one raises JournalCorrupt.
    """
    size = len(data)
    offset = 0
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
            _check_tail(data, offset)
        return


def _check_tail(data: bytes, bad: int) -> None:
    limit = min(len(data), bad + TAIL_SCAN_LIMIT)
    for candidate in range(bad + 1, limit):
        if _frame_ok(data, candidate, len(data)) >= 0:
            raise JournalCorrupt(
                "JOURNAL_CORRUPT",
                f"journal record at byte {bad} is damaged but good records follow at "
                f"byte {candidate}: refusing to start; inspect the file",
                {"offset": str(bad), "next_good": str(candidate)},
            )
    if limit < len(data):
        raise JournalCorrupt(
            "JOURNAL_CORRUPT",
            f"journal record at byte {bad} is damaged with {len(data) - bad} bytes after it",
            {"offset": str(bad)},
        )


@dataclass(frozen=True, slots=True)
class Recovered:
    """What recovery found: the good bodies, and what it cut off the tail."""

    bodies: list[bytes]
    valid_bytes: int
    truncated_bytes: int


def recover(path: Path) -> Recovered:
    """Read every good record and cut a torn or corrupt tail off the file, saying so."""
    if not path.exists():
        return Recovered([], 0, 0)
    data = path.read_bytes()
    bodies: list[bytes] = []
    end = 0
    for offset, body in iter_bodies(data, strict_tail=True):
        bodies.append(body)
        end = offset + HEADER.size + len(body)
    cut = len(data) - end
    if cut:
        log.warning(
            "event=journal_tail_truncated path=%s valid_bytes=%d truncated_bytes=%d records=%d "
            "detail='a torn or corrupt last record was cut off; nothing of it was applied'",
            path,
            end,
            cut,
            len(bodies),
        )
        with open(path, "r+b") as f:
            f.truncate(end)
            os.fsync(f.fileno())
    return Recovered(bodies, end, cut)


def read_bodies(path: Path) -> Iterator[bytes]:
    """Yield the bodies of a journal being written by someone else (stops at a partial tail)."""
    if not path.exists():
        return
    data = path.read_bytes()
    for _, body in iter_bodies(data):
        yield body
