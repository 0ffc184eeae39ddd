"""At the close: working orders canceled cancel_at_close_s before it; intraday accounts flat."""

from __future__ import annotations

from typing import Any

from session_helpers import ACCOUNT, DAY, GTC, LIMIT, SYMBOL, Make

from fillgate.domain.enums import OrderState, Side

CLOSE: dict[str, Any] = {
    "symbols": {SYMBOL: {"calendar": "XNYS", "cancel_at_close_s": 300}},
}
FLATTEN: dict[str, Any] = {
    "symbols": {SYMBOL: {"calendar": "XNYS"}},
    "accounts": {ACCOUNT: {"flatten_at_close": True, "flatten_before_close_s": 60}},
}


async def test_cancel_at_close_cancels_working_order_300s_before_close(at: Make) -> None:
    h = await at("2026-12-07T10:00", sessions=CLOSE)
    order = await h.submit_order(type=LIMIT, limit_price=90, time_in_force=GTC)

    h.advance_to("2026-12-07T15:54:59")
    assert await h.parts.closing.run_due() == 0
    h.advance_to("2026-12-07T15:55")
    assert await h.parts.closing.run_due() == 1

    assert h.order(order.order_id).state is OrderState.CANCELED


async def test_cancel_at_close_on_half_day_acts_before_1300_et(at: Make) -> None:
    h = await at("2026-11-27T10:00", sessions=CLOSE)
    order = await h.submit_order(type=LIMIT, limit_price=90, time_in_force=DAY)

    h.advance_to("2026-11-27T12:55")
    await h.parts.closing.run_due()

    assert h.order(order.order_id).state is OrderState.CANCELED


async def test_cancel_at_close_runs_once_per_close_then_waits_for_next_session(at: Make) -> None:
    h = await at("2026-12-07T15:56", sessions=CLOSE)
    await h.parts.closing.run_due()
    later = await h.submit_order(type=LIMIT, limit_price=90, time_in_force=GTC)

    assert await h.parts.closing.run_due() == 0
    assert h.order(later.order_id).state is OrderState.NEW
    h.advance_to("2026-12-08T15:55")
    assert await h.parts.closing.run_due() == 1


async def test_flatten_at_close_closes_long_position_before_close(at: Make) -> None:
    h = await at("2026-12-07T10:00", sessions=FLATTEN)
    await h.submit_order(quantity=3)
    assert h.engine.book.quantity(ACCOUNT, SYMBOL) == 3

    h.advance_to("2026-12-07T15:59")
    await h.parts.closing.run_due()

    assert h.engine.book.quantity(ACCOUNT, SYMBOL) == 0


async def test_flatten_at_close_short_position_buys_back(at: Make) -> None:
    h = await at("2026-12-07T10:00", sessions=FLATTEN, risk={"enabled": False})
    await h.submit_order(quantity=2, side=Side.SELL)

    h.advance_to("2026-12-07T15:59:30")
    await h.parts.closing.run_due()

    assert h.engine.book.quantity(ACCOUNT, SYMBOL) == 0
