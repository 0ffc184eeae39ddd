"""Contingent orders meet trading sessions: a queued entry or order keeps its plan."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fillgate.app import build
from fillgate.config import config_from_dict
from fillgate.contingent.spec import BracketSpec, Exit, ExitKind
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.values import ManualClock

S = 1_000_000_000
SATURDAY_NOON = (1_764_936_000 + 86_400) * S  # 2025-12-06 12:00 UTC: the NYSE is closed


def _config() -> Any:
    return config_from_dict(
        {
            "accounts": {"acct-a": {}},
            "symbols": {
                "AAPL": {"reference_price": "100", "price_precision": 2, "quantity_precision": 0}
            },
            "sessions": {"symbols": {"AAPL": {"calendar": "XNYS", "closed_policy": "queue"}}},
        }
    )


def _cmd(cid: str, **kw: Any) -> SubmitOrder:
    fields: dict[str, Any] = {
        "account": "acct-a",
        "symbol": "AAPL",
        "side": Side.BUY,
        "quantity": D(1),
        "type": OrderType.LIMIT,
        "limit_price": D(99),
        "time_in_force": TimeInForce.GTC,
        "client_order_id": cid,
    }
    fields.update(kw)
    return SubmitOrder(**fields)


async def test_queued_order_with_time_limit_is_watched_and_ends_when_due():
    clock = ManualClock(SATURDAY_NOON)
    parts = build(_config(), clock=clock)
    await parts.engine.start()
    try:
        order = (await parts.engine.submit(_cmd("q-1", expire_after_ns=60 * S))).order
        assert order.state is OrderState.QUEUED
        clock.advance(61 * S)
        assert parts.expiries.run_due() == [order.order_id]
        await parts.expiries.settle()
        assert parts.engine.order(order.order_id).state is OrderState.CANCELED
    finally:
        await parts.engine.stop()


async def test_queued_bracket_entry_is_a_known_list():
    clock = ManualClock(SATURDAY_NOON)
    parts = build(_config(), clock=clock)
    await parts.engine.start()
    try:
        placed = await parts.brackets.submit(_cmd("b-1"), BracketSpec(Exit(ExitKind.OFFSET, D(5))))
        assert placed.entry.state is OrderState.QUEUED
        assert parts.brackets.get(placed.list_id).state == "ACTIVE"
    finally:
        await parts.engine.stop()
