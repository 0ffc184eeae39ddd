"""Trailing stops follow live marks (quotes), and their trail survives a restart exactly."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from trailing_helpers import ENTRY, start, stop, stop_loss

from fillgate.contingent.spec import BracketSpec, Exit, ExitKind, role_of
from fillgate.domain.commands import SetReferencePrice
from fillgate.marketdata.quotes import VENUE


async def test_trailing_stop_live_quote_moves_stop_behind_mark(harness):
    spec = BracketSpec(Exit(ExitKind.TRAIL, D(5)))
    list_id = (await harness.parts.brackets.submit(harness.command(quantity=2), spec)).list_id

    harness.engine.on_quote("XYZ", bid=D("103.9"), ask=D("104.1"), source=VENUE)
    await harness.parts.brackets.settle()

    (stop,) = [m for m in harness.parts.brackets.get(list_id).members if role_of(m)[1] == "sl"]
    assert stop.stop_price == D(99)


async def test_trailing_stop_after_restart_keeps_its_high_water_stop(tmp_path: Path):
    parts, journal = await start(tmp_path / "j", replay=False)
    spec = BracketSpec(Exit(ExitKind.TRAIL_PERCENT, D(10)))
    list_id = (await parts.brackets.submit(ENTRY, spec)).list_id
    parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D("107.3")))
    await parts.brackets.settle()
    before = stop_loss(parts, list_id).stop_price
    await stop(parts, journal)

    parts, journal = await start(tmp_path / "j", replay=True)
    try:
        parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D(105)))
        await parts.brackets.settle()
        assert (before, stop_loss(parts, list_id).stop_price) == (D("96.57"), D("96.57"))
    finally:
        await stop(parts, journal)


async def test_trailing_stop_after_restart_keeps_a_stop_a_live_quote_moved(tmp_path: Path):
    parts, journal = await start(tmp_path / "j", replay=False)
    list_id = (await parts.brackets.submit(ENTRY, BracketSpec(Exit(ExitKind.TRAIL, D(5))))).list_id
    parts.engine.on_quote("XYZ", bid=D("107.9"), ask=D("108.1"), source=VENUE)
    await parts.brackets.settle()
    await stop(parts, journal)

    parts, journal = await start(tmp_path / "j", replay=True)
    await parts.brackets.settle()
    try:
        assert stop_loss(parts, list_id).stop_price == D(103)
    finally:
        await stop(parts, journal)
