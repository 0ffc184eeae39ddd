"""The closed-market gate and DAY expiry at the session close, through the engine (no gRPC).

Symbol XYZ trades on XNYS (extended hours on), ABC on the FX week; the clock is
a ManualClock set to the instant each test names.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from session_helpers import DAY, GTC, LIMIT, MARKET, OTHER_SYMBOL, SYMBOL, Make, et

from fillgate.domain.enums import OrderState
from fillgate.domain.errors import FailedPrecondition, InvalidArgument


async def test_submit_saturday_0300_et_denied_market_closed_with_next_open(at: Make) -> None:
    h = await at("2026-12-05T03:00")

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    assert caught.value.reason == "MARKET_CLOSED"
    assert caught.value.metadata["next_open"] == "2026-12-07T14:30:00Z"
    assert caught.value.metadata["symbol"] == SYMBOL
    assert h.order_count() == 0


async def test_submit_regular_session_accepted(at: Make) -> None:
    h = await at("2026-12-07T10:00")

    order = await h.submit_order(type=MARKET, quantity="1")

    assert order.state is OrderState.FILLED


async def test_submit_on_us_holiday_denied_market_closed(at: Make) -> None:
    h = await at("2026-11-26T11:00")

    with pytest.raises(FailedPrecondition, match="closed") as caught:
        await h.submit_order(type=MARKET, quantity="1")

    assert caught.value.metadata["next_open"] == "2026-11-27T14:30:00Z"


async def test_submit_pre_market_extended_hours_limit_day_accepted(at: Make) -> None:
    h = await at("2026-12-07T08:00")

    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY, extended_hours=True)

    assert order.state is OrderState.NEW
    assert order.extended_hours is True


async def test_submit_pre_market_unmarked_order_denied_market_closed(at: Make) -> None:
    h = await at("2026-12-07T08:00")

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    assert caught.value.reason == "MARKET_CLOSED"
    assert caught.value.metadata["phase"] == "PRE_MARKET"


async def test_submit_extended_hours_market_order_invalid_argument(at: Make) -> None:
    h = await at("2026-12-07T08:00")

    with pytest.raises(InvalidArgument) as caught:
        await h.submit_order(type=MARKET, extended_hours=True)

    assert [field for field, _ in caught.value.violations] == ["extended_hours"]
    assert h.order_count() == 0


async def test_submit_extended_hours_limit_gtc_invalid_argument(at: Make) -> None:
    h = await at("2026-12-07T17:00")

    with pytest.raises(InvalidArgument, match="time in force DAY"):
        await h.submit_order(type=LIMIT, limit_price=99, time_in_force=GTC, extended_hours=True)


async def test_submit_post_market_symbol_without_extended_hours_denied_not_allowed(
    at: Make,
) -> None:
    h = await at("2026-12-07T17:00", sessions={"symbols": {SYMBOL: {"calendar": "XNYS"}}})

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY, extended_hours=True)

    assert caught.value.reason == "EXTENDED_HOURS_NOT_ALLOWED"
    assert caught.value.metadata["phase"] == "POST_MARKET"


async def test_submit_fx_symbol_saturday_denied_until_sunday_1700_et(at: Make) -> None:
    h = await at("2026-12-05T03:00")

    with pytest.raises(FailedPrecondition) as caught:
        await h.submit_order(symbol=OTHER_SYMBOL, type=MARKET, quantity="1")

    assert caught.value.metadata["next_open"] == "2026-12-06T22:00:00Z"


async def test_market_closed_denial_is_journaled_as_order_denied(at: Make) -> None:
    h = await at("2026-12-05T03:00")

    with pytest.raises(FailedPrecondition):
        await h.submit_order(type=MARKET, quantity="1")

    assert h.engine.state.denied == 1  # applied (and journaled) as OrderDenied


async def test_day_order_expires_at_half_day_close_1300_et(at: Make) -> None:
    h = await at("2026-11-27T10:00")
    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)
    assert h.paper.day_due_ns(order) == et("2026-11-27T13:00")

    h.advance_to("2026-11-27T12:59")
    assert h.paper.expire_day_orders(h.clock.now_ns()) == 0
    h.advance_to("2026-11-27T13:00")
    assert h.paper.expire_day_orders(h.clock.now_ns()) == 1

    assert h.order(order.order_id).state is OrderState.EXPIRED


async def test_day_order_in_post_market_expires_at_post_market_end(at: Make) -> None:
    h = await at("2026-12-07T17:00")

    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY, extended_hours=True)

    assert h.paper.day_due_ns(order) == et("2026-12-07T20:00")


async def test_day_order_on_24_7_symbol_expires_at_utc_day_end(at: Make) -> None:
    h = await at("2026-12-07T10:00", sessions={})

    order = await h.submit_order(type=LIMIT, limit_price=99, time_in_force=DAY)

    midnight = datetime.fromisoformat("2026-12-08T00:00+00:00")
    assert h.paper.day_due_ns(order) == int(midnight.timestamp()) * 1_000_000_000
