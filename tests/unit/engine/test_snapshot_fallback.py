"""A snapshot that cannot be trusted is logged, deleted and ignored: start-up replays it all.

Each test damages one thing (the file, the journal under it, the format, the
configuration) and checks the rebuilt state is the full replay's.
"""

from __future__ import annotations

import os
import struct
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from snapshot_helpers import Driver, make_config, restarted, resume, run_with_snapshot, view

from fillgate.domain.enums import OrderType, Side, TradingMode
from fillgate.journal.snapshots import MAGIC, list_snapshots, snapshot_path

BEFORE: list[Any] = [
    ("submit", 0, 0, Side.BUY, D(5), OrderType.MARKET, D(0), False),  # fills 3 of 5
    ("submit", 1, 1, Side.SELL, D(2), OrderType.LIMIT, D(2), False),  # rests
    ("price", 0, D("101.5")),
    ("halt", 1, TradingMode.REDUCING),
    ("submit", 0, 1, Side.BUY, D(1), OrderType.MARKET, D(0), False),  # denied
]
AFTER: list[Any] = [
    ("submit", 1, 0, Side.SELL, D(1), OrderType.MARKET, D(0), False),
    ("cancel", 1),
    ("price", 0, D(99)),
]


@pytest.fixture
async def journal(tmp_path: Path) -> Path:
    """A journal with a snapshot part-way (after BEFORE) and more records after it."""
    path = tmp_path / "journal.log"
    await run_with_snapshot(path, make_config(), BEFORE, AFTER)
    return path


def _only_snapshot(journal: Path) -> Path:
    [found] = list_snapshots(journal)
    return found.path


async def _assert_full_replay(journal: Path, config: Any = None) -> None:
    config = config or make_config()
    fast, stats = await restarted(journal, config, snapshots=True)
    full, _ = await restarted(journal, config, snapshots=False)
    assert stats.snapshot_seq == 0
    assert repr(view(fast)) == repr(view(full))


async def test_snapshot_restart_intact_snapshot_replays_only_the_tail(journal: Path) -> None:
    _, full = await restarted(journal, make_config(), snapshots=False)
    _, stats = await restarted(journal, make_config(), snapshots=True)
    assert stats.snapshot_seq == list_snapshots(journal)[0].journal_seq > 0
    assert stats.records == full.records - stats.snapshot_seq > 0


async def test_snapshot_restart_flipped_byte_falls_back_to_full_replay(journal: Path) -> None:
    path = _only_snapshot(journal)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    await _assert_full_replay(journal)


async def test_snapshot_restart_truncated_snapshot_falls_back_to_full_replay(
    journal: Path,
) -> None:
    path = _only_snapshot(journal)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 20])
    await _assert_full_replay(journal)


async def test_snapshot_restart_other_format_version_is_ignored(journal: Path) -> None:
    path = _only_snapshot(journal)
    data = path.read_bytes()
    path.write_bytes(MAGIC[:6] + struct.pack("<H", 99) + data[len(MAGIC) :])
    await _assert_full_replay(journal)


async def test_snapshot_restart_rejected_snapshot_is_deleted(journal: Path) -> None:
    path = _only_snapshot(journal)
    path.write_bytes(b"not a snapshot")
    await restarted(journal, make_config(), snapshots=True)
    assert not path.exists()


async def test_snapshot_restart_journal_cut_below_snapshot_is_not_trusted(
    journal: Path,
) -> None:
    # A torn tail took back records the snapshot covers (fsync off, machine crash).
    mark_end = list_snapshots(journal)[0].journal_seq
    assert mark_end > 1
    with open(journal, "r+b") as f:
        f.truncate(os.path.getsize(journal) // 3)
    await _assert_full_replay(journal)


async def test_snapshot_restart_journal_regrown_past_snapshot_is_not_trusted(
    journal: Path,
) -> None:
    # The journal was cut, then a run without snapshots wrote other records over the
    # same bytes: the length is back, the record the snapshot ends at is not.
    old_size = os.path.getsize(journal)
    with open(journal, "r+b") as f:
        f.truncate(old_size // 3)
    parts, log = await resume(journal, make_config(), snapshots=False)
    driver = Driver(parts)
    for op in BEFORE + AFTER + BEFORE:
        await driver.run(op)
    await parts.engine.stop()
    await log.close()
    assert os.path.getsize(journal) > old_size
    await _assert_full_replay(journal)


async def test_snapshot_restart_other_starting_cash_is_ignored(journal: Path) -> None:
    await _assert_full_replay(journal, make_config(cash="5"))


async def test_snapshot_restart_damaged_newest_uses_older_snapshot(journal: Path) -> None:
    older = _only_snapshot(journal)
    seq = list_snapshots(journal)[0].journal_seq
    newer = snapshot_path(journal, seq + 1)
    newer.write_bytes(older.read_bytes()[:100])
    _, stats = await restarted(journal, make_config(), snapshots=True)
    assert stats.snapshot_seq == seq
    assert not newer.exists()
