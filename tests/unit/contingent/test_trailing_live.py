"""Trailing stops follow live marks (quotes), and their trail survives a restart exactly."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.contingent.bracket import BracketSpec, Exit, ExitKind, role_of
from fillgate.domain.commands import SetReferencePrice, SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import ManualClock
from fillgate.engine.recovery import rebuild
from fillgate.journal.journal import FsyncPolicy, Journal
from fillgate.marketdata.quotes import VENUE

CONFIG = {
    "accounts": {"acct-a": {}},
    "symbols": {"XYZ": {"reference_price": "100", "price_precision": 2, "quantity_precision": 4}},
}
ENTRY = SubmitOrder(
    account="acct-a",
    symbol="XYZ",
    side=Side.BUY,
    quantity=D(2),
    type=OrderType.MARKET,
    time_in_force=TimeInForce.GTC,
    client_order_id="entry-1",
)


async def _start(path: Path, *, replay: bool) -> tuple[Any, Journal]:
    journal = Journal(path, FsyncPolicy.NEVER)
    clock = ManualClock(1_800_000_000_000_000_000) if replay else ManualClock()
    parts = build(config_from_dict(CONFIG), clock=clock, journal=journal)
    if replay:
        rebuild(parts.engine, journal)
    else:
        list(journal.open())
    journal.start()
    await parts.engine.start()
    return parts, journal


async def _stop(parts: Any, journal: Journal) -> None:
    await parts.engine.stop()
    await journal.close()


def _sl(parts: Any, list_id: str) -> Any:
    (stop,) = [m for m in parts.brackets.get(list_id).members if role_of(m)[1] == "sl"]
    return stop


async def test_trailing_stop_live_quote_moves_stop_behind_mark(harness):
    spec = BracketSpec(Exit(ExitKind.TRAIL, D(5)))
    list_id = (await harness.parts.brackets.submit(harness.command(quantity=2), spec)).list_id

    harness.engine.on_quote("XYZ", bid=D("103.9"), ask=D("104.1"), source=VENUE)
    await harness.parts.brackets.settle()

    (stop,) = [m for m in harness.parts.brackets.get(list_id).members if role_of(m)[1] == "sl"]
    assert stop.stop_price == D(99)


async def test_trailing_stop_after_restart_keeps_its_high_water_stop(tmp_path: Path):
    parts, journal = await _start(tmp_path / "j", replay=False)
    spec = BracketSpec(Exit(ExitKind.TRAIL_PERCENT, D(10)))
    list_id = (await parts.brackets.submit(ENTRY, spec)).list_id
    parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D("107.3")))
    await parts.brackets.settle()
    before = _sl(parts, list_id).stop_price
    await _stop(parts, journal)

    parts, journal = await _start(tmp_path / "j", replay=True)
    try:
        parts.engine.set_reference_price(SetReferencePrice(symbol="XYZ", price=D(105)))
        await parts.brackets.settle()
        assert (before, _sl(parts, list_id).stop_price) == (D("96.57"), D("96.57"))
    finally:
        await _stop(parts, journal)


async def test_trailing_stop_after_restart_keeps_a_stop_a_live_quote_moved(tmp_path: Path):
    parts, journal = await _start(tmp_path / "j", replay=False)
    list_id = (await parts.brackets.submit(ENTRY, BracketSpec(Exit(ExitKind.TRAIL, D(5))))).list_id
    parts.engine.on_quote("XYZ", bid=D("107.9"), ask=D("108.1"), source=VENUE)
    await parts.brackets.settle()
    await _stop(parts, journal)

    parts, journal = await _start(tmp_path / "j", replay=True)
    await parts.brackets.settle()
    try:
        assert _sl(parts, list_id).stop_price == D(103)
    finally:
        await _stop(parts, journal)
