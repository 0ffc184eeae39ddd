"""Snapshot files beside the journal: written atomically, checksummed, never trusted blindly.

A snapshot lets start-up load the state as of journal record N and replay
only the records after it. This module is the file side only; what the
state looks like inside is ``engine/snapshot.py``'s business.

File ``<journal>.snapshot.<N, 12 digits>``::

    MAGIC (8 bytes: "FGSNAP" + u16 format version)
    frame: header (JSON: format, the journal mark, whatever the caller adds)
    frame: chunk ... (opaque bodies, each under MAX_CHUNK)
    frame: trailer (JSON: {"frames": count of chunks, "crc": CRC32 over every chunk})

Frames are the journal's ``<u32 length><u32 crc32(body)><body>``. A file is
valid only with the right magic and version, every frame's CRC right, and a
trailer whose count and running CRC match: a truncated or damaged file
raises :class:`SnapshotInvalid`, and the caller falls back to a full replay.

Written as ``.tmp``, fsynced, renamed into place, and the directory fsynced:
a crash leaves either the old set of snapshots or the new one, never half a
file under a snapshot's name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import struct
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from fillgate.journal.log import HEADER, JournalMark

log = logging.getLogger("fillgate.snapshot")

FORMAT = 1
MAGIC = b"FGSNAP" + struct.pack("<H", FORMAT)
#: The largest frame a reader accepts (a chunk is far smaller; this bounds a damaged length).
MAX_FRAME = 64 << 20
_NAME = re.compile(r"\.snapshot\.(\d{12})$")


class SnapshotInvalid(Exception):
    """A snapshot file that must not be used: damaged, truncated, or of another format."""


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    """One snapshot on disk and the journal record it ends at."""

    path: Path
    journal_seq: int


@dataclass(frozen=True, slots=True)
class LoadedSnapshot:
    """A snapshot read back and checked: its mark, header and chunk bodies."""

    path: Path
    mark: JournalMark
    header: dict[str, Any]
    chunks: list[bytes]


def snapshot_path(journal: Path, journal_seq: int) -> Path:
    return journal.with_name(f"{journal.name}.snapshot.{journal_seq:012d}")


def list_snapshots(journal: Path) -> list[SnapshotFile]:
    """Return the journal's snapshots, newest (highest journal sequence) first."""
    prefix = f"{journal.name}.snapshot."
    found = []
    if journal.parent.is_dir():
        for entry in journal.parent.iterdir():
            match = _NAME.search(entry.name)
            if match and entry.name.startswith(prefix) and len(entry.name) == len(prefix) + 12:
                found.append(SnapshotFile(entry, int(match.group(1))))
    return sorted(found, key=lambda f: f.journal_seq, reverse=True)


def _frame(body: bytes) -> bytes:
    return HEADER.pack(len(body), zlib.crc32(body)) + body


def write_snapshot(
    journal: Path,
    mark: JournalMark,
    header: dict[str, Any],
    chunks: Iterable[bytes],
    *,
    pause_s: float = 0.0,
) -> Path:
    """Write a snapshot atomically and return its path; blocking (run it in a worker thread).

    ``pause_s`` sleeps after each chunk: the chunks are produced by Python code
    that holds the GIL, and a short sleep hands it back to the event loop at once
    instead of after the interpreter's switch interval (5 ms).
    """
    final = snapshot_path(journal, mark.journal_seq)
    tmp = final.with_name(final.name + ".tmp")
    head = {
        **header,
        "format": FORMAT,
        "journal_seq": mark.journal_seq,
        "frame_start": mark.frame_start,
        "end": mark.end,
        "crc": mark.crc,
    }
    try:
        _write_file(tmp, head, chunks, pause_s)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()  # a full disk, say: leave nothing half-written behind
        raise
    os.replace(tmp, final)
    _fsync_dir(final.parent)
    return final


def _write_file(tmp: Path, head: dict[str, Any], chunks: Iterable[bytes], pause_s: float) -> None:
    running = 0
    count = 0
    # Readable by the same people as the journal: it holds the same data.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "wb") as f:
        f.write(MAGIC)
        f.write(_frame(orjson.dumps(head)))
        for chunk in chunks:
            if len(chunk) > MAX_FRAME:
                raise ValueError(f"snapshot chunk of {len(chunk)} bytes exceeds {MAX_FRAME}")
            f.write(_frame(chunk))
            running = zlib.crc32(chunk, running)
            count += 1
            if pause_s:
                time.sleep(pause_s)
        f.write(_frame(orjson.dumps({"frames": count, "crc": running})))
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_snapshot(path: Path) -> LoadedSnapshot:
    """Read and check a snapshot file; raise :class:`SnapshotInvalid` when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotInvalid(f"cannot read: {exc}") from exc
    if not data.startswith(MAGIC):
        if data.startswith(MAGIC[:6]):
            raise SnapshotInvalid(f"format {data[6:8].hex()} is not {FORMAT}")
        raise SnapshotInvalid("not a fillgate snapshot (bad magic)")
    bodies = []
    offset = len(MAGIC)
    size = len(data)
    while offset < size:
        if offset + HEADER.size > size:
            raise SnapshotInvalid(f"truncated frame header at byte {offset}")
        length, crc = HEADER.unpack_from(data, offset)
        end = offset + HEADER.size + length
        if length > MAX_FRAME or end > size:
            raise SnapshotInvalid(f"truncated or oversized frame at byte {offset}")
        body = data[offset + HEADER.size : end]
        if zlib.crc32(body) != crc:
            raise SnapshotInvalid(f"checksum mismatch in the frame at byte {offset}")
        bodies.append(body)
        offset = end
    if len(bodies) < 2:
        raise SnapshotInvalid("no header or no trailer")
    try:
        head = orjson.loads(bodies[0])
        trailer = orjson.loads(bodies[-1])
        chunks = bodies[1:-1]
        running = 0
        for chunk in chunks:
            running = zlib.crc32(chunk, running)
        if trailer != {"frames": len(chunks), "crc": running}:
            raise SnapshotInvalid("the trailer does not match the chunks (truncated?)")
        if head.get("format") != FORMAT:
            raise SnapshotInvalid(f"format {head.get('format')!r} is not {FORMAT}")
        mark = JournalMark(
            int(head["journal_seq"]), int(head["frame_start"]), int(head["end"]), int(head["crc"])
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotInvalid(f"unreadable header or trailer: {exc!r}") from exc
    return LoadedSnapshot(path, mark, head, chunks)


def discard(path: Path, reason: str) -> None:
    """Remove a snapshot that must not be used again, saying why."""
    log.warning("event=snapshot_discarded path=%s reason=%r", path, reason)
    try:
        path.unlink()
    except OSError as exc:
        log.error("event=snapshot_discard_failed path=%s error=%r", path, exc)


def prune(journal: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` snapshots, and any leftover temporary file."""
    for old in list_snapshots(journal)[keep:]:
        try:
            old.path.unlink()
        except OSError as exc:
            log.warning("event=snapshot_prune_failed path=%s error=%r", old.path, exc)
    for tmp in journal.parent.glob(f"{journal.name}.snapshot.*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
