"""Shared by the trailing-stop tests: a journaled server that can be restarted."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.contingent.spec import role_of
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.values import ManualClock
from fillgate.engine.recovery import rebuild
from fillgate.journal.journal import FsyncPolicy, Journal

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


async def start(path: Path, *, replay: bool) -> tuple[Any, Journal]:
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


async def stop(parts: Any, journal: Journal) -> None:
    await parts.engine.stop()
    await journal.close()


def stop_loss(parts: Any, list_id: str) -> Any:
    (stop,) = [m for m in parts.brackets.get(list_id).members if role_of(m)[1] == "sl"]
    return stop
