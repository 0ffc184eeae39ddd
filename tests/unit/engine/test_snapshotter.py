"""The snapshotter: every N journal records, at shutdown, one at a time, two kept."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from snapshot_helpers import Driver, make_config, start

from fillgate.domain.enums import OrderType, Side
from fillgate.engine.checkpoints import KEEP, Snapshotter
from fillgate.journal.journal import Journal
from fillgate.journal.snapshots import list_snapshots


def _buy(qty: int = 1) -> tuple[Any, ...]:
    """A market buy of ABC (no liquidity cap): accepted, acknowledged, filled."""
    return ("submit", 0, 1, Side.BUY, D(qty), OrderType.MARKET, D(0), False)


async def _started(tmp_path: Path, every: int) -> tuple[Journal, Driver, Snapshotter]:
    parts, journal, driver = await start(tmp_path / "journal.log", make_config())
    snapshotter = Snapshotter(parts.engine, journal, every, check_interval_s=0.005)
    snapshotter.start()
    return journal, driver, snapshotter


async def _wait_for_snapshots(journal: Path, count: int) -> list[int]:
    for _ in range(400):
        found = [f.journal_seq for f in list_snapshots(journal)]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.005)
    return [f.journal_seq for f in list_snapshots(journal)]


async def test_snapshotter_every_n_records_writes_a_snapshot(tmp_path: Path) -> None:
    journal, driver, snapshotter = await _started(tmp_path, every=6)
    for _ in range(2):
        await driver.run(_buy())  # three records each
    [seq] = await _wait_for_snapshots(journal.path, 1)
    assert seq >= 6
    await snapshotter.close(final=False)
    await journal.close()


async def test_snapshotter_fewer_records_than_every_writes_none(tmp_path: Path) -> None:
    journal, driver, snapshotter = await _started(tmp_path, every=100)
    await driver.run(_buy())
    await asyncio.sleep(0.05)
    assert list_snapshots(journal.path) == []
    await snapshotter.close(final=False)
    await journal.close()


async def test_snapshotter_close_writes_a_snapshot_of_everything(tmp_path: Path) -> None:
    journal, driver, snapshotter = await _started(tmp_path, every=100)
    await driver.run(_buy())
    await snapshotter.close()
    assert [f.journal_seq for f in list_snapshots(journal.path)] == [journal.next_seq - 1]
    await journal.close()


async def test_snapshotter_off_writes_nothing_at_close(tmp_path: Path) -> None:
    journal, driver, snapshotter = await _started(tmp_path, every=0)
    await driver.run(_buy())
    await snapshotter.close()
    assert list_snapshots(journal.path) == []
    await journal.close()


async def test_snapshotter_keeps_only_the_newest_snapshots(tmp_path: Path) -> None:
    journal, driver, snapshotter = await _started(tmp_path, every=1000)
    taken = []
    for _ in range(KEEP + 2):
        await driver.run(_buy())
        taken.append(await snapshotter.take())
    assert [f.path for f in list_snapshots(journal.path)] == taken[::-1][:KEEP]
    await snapshotter.close(final=False)
    await journal.close()


async def test_snapshotter_waits_for_as_many_records_as_orders(tmp_path: Path) -> None:
    parts, journal, driver = await start(tmp_path / "journal.log", make_config())
    for _ in range(6):
        await driver.run(_buy())  # 6 orders, 18 records
    snapshotter = Snapshotter(parts.engine, journal, 1, check_interval_s=0.005)
    snapshotter.start()
    assert await _wait_for_snapshots(journal.path, 1) == [18]
    await driver.run(_buy())  # 3 more records: past `every`, short of the 7 orders
    await asyncio.sleep(0.05)
    assert [f.journal_seq for f in list_snapshots(journal.path)] == [18]
    await driver.run(_buy())
    await driver.run(_buy())  # 9 records since: as many as the 9 orders
    assert await _wait_for_snapshots(journal.path, 2) == [27, 18]
    await snapshotter.close(final=False)
    await journal.close()
