"""Circuit breakers tripped by simulated fills and price moves, and what a trip does."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from risk_helpers import BOUNDARY, accepted, denied

from fillgate.domain import events as ev
from fillgate.domain.enums import Breaker, HaltScope, OrderState, OrderType, Side, TradingMode
from fillgate.domain.errors import Unavailable
from fillgate.risk.breakers import DAY_NS

ACCOUNT = HaltScope.ACCOUNT
SELL = Side.SELL


def breaker(name: str, limit: str, **action) -> dict:
    return {"breakers": {name: {"limit": limit, **action}}}


def events_since(h, head: int) -> list[object]:
    sub = h.engine.bus.subscribe(from_sequence=head)
    try:
        return [e.payload for e in sub.backlog]
    finally:
        sub.close()


def alerts(h) -> list[ev.BreakerTripped]:
    return [e for e in events_since(h, 0) if isinstance(e, ev.BreakerTripped)]


def restriction(h, account: str = "acct-a"):
    return h.engine.trading.get(ACCOUNT, account)


# -- daily loss -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "trips"), [("90.01", False), ("90", False), ("89.99", True)], ids=BOUNDARY
)
async def test_daily_loss_price_move_boundary(make_harness, price, trips):
    h = await make_harness(risk=breaker("daily_loss", "100"))
    await h.build_position(10)

    h.price(price)
    await h.parts.kill_switch.settle()

    assert bool(alerts(h)) is trips
    if trips:
        r = restriction(h)
        assert (r.mode, r.requested_by) == (TradingMode.HALTED, "breaker:daily_loss")
        assert "100.1 is over the limit 100" in r.reason
    else:
        assert restriction(h) is None


async def test_daily_loss_counts_fees_and_trips_on_the_fill(make_harness):
    h = await make_harness(fee_rate="0.01", risk=breaker("daily_loss", "100"))
    await h.build_position(100)  # fee 100: at the limit
    assert alerts(h) == []

    await h.build_position("0.0001")  # fee 0.0001 more

    (alert,) = alerts(h)
    assert (alert.breaker, alert.value, alert.limit) == (Breaker.DAILY_LOSS, D("100.0001"), 100)


async def test_daily_loss_counts_realized_loss(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100", mode="REDUCING"))
    await h.build_position(10)
    h.price(95)
    await h.build_position(-10)  # realizes 50
    h.price(80)
    await h.build_position(10)

    h.price("74.99")  # 50 realized + 50.1 unrealized

    assert [a.value for a in alerts(h)] == [D("100.1")]


# -- drawdown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "trips"), [("59.51", False), ("59.5", False), ("59.49", True)], ids=BOUNDARY
)
async def test_drawdown_from_day_peak_boundary(make_harness, price, trips):
    h = await make_harness(risk=breaker("drawdown", "5"))
    await h.build_position(1000)
    h.price(110)  # peak equity 1,010,000; 5 % of it is 50,500

    h.price(price)

    assert bool(alerts(h)) is trips


async def test_drawdown_peak_only_rises(make_harness):
    h = await make_harness(risk=breaker("drawdown", "5"))
    await h.build_position(1000)
    h.price(110)
    h.price(100)

    assert h.engine.risk.breakers.day("acct-a").peak == D(1010000)


# -- rejection rate ---------------------------------------------------------------


def reject_next(h, count: int) -> None:
    """Make the paper venue refuse the next ``count`` submits."""
    real = h.paper.submit
    left = [count]

    async def submit(order):
        if left[0] > 0:
            left[0] -= 1
            raise Unavailable("VENUE_DOWN", "venue refused")
        await real(order)

    h.paper.submit = submit


REJECTIONS = breaker("rejection_rate", "50", min_orders=4, window_s=60)


@pytest.mark.parametrize(("filled", "trips"), [(3, False), (2, False), (1, True)], ids=BOUNDARY)
async def test_rejection_rate_boundary_two_rejects_after_filled_orders(make_harness, filled, trips):
    h = await make_harness(risk=breaker("rejection_rate", "50", min_orders=2))
    for _ in range(filled):
        await accepted(h)
    reject_next(h, 2)
    await accepted(h)
    await accepted(h)

    assert bool(alerts(h)) is trips


async def test_rejection_rate_needs_min_orders(make_harness):
    h = await make_harness(risk=REJECTIONS)
    reject_next(h, 3)
    for _ in range(3):
        await accepted(h)

    assert alerts(h) == []
    reject_next(h, 1)
    await accepted(h)
    (alert,) = alerts(h)
    assert (alert.breaker, alert.value) == (Breaker.REJECTION_RATE, 100)


async def test_rejection_rate_old_orders_leave_the_window(make_harness):
    h = await make_harness(risk=REJECTIONS)
    reject_next(h, 3)
    for _ in range(3):
        await accepted(h)
    h.parts.clock.advance(61 * 1_000_000_000)

    reject_next(h, 1)
    await accepted(h)

    assert alerts(h) == []


# -- slippage ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "trips"), [("100.99", False), ("101", False), ("101.01", True)], ids=BOUNDARY
)
async def test_slippage_market_remainder_fill_boundary(make_harness, price, trips):
    h = await make_harness(risk=breaker("slippage", "1"), liquidity={"XYZ": "4"})
    order = await accepted(h, quantity=8)  # 4 fill at 100 on arrival

    h.price(price)  # the remainder fills at the new price

    assert h.order(order.order_id).state is OrderState.FILLED
    assert bool(alerts(h)) is trips


async def test_slippage_sell_is_adverse_when_price_falls(make_harness):
    h = await make_harness(risk=breaker("slippage", "1"), liquidity={"XYZ": "4"})
    await accepted(h, side=SELL, quantity=8)

    h.price("98.9")

    (alert,) = alerts(h)
    assert (alert.symbol, alert.value) == ("XYZ", D("1.1"))


async def test_slippage_favourable_fill_never_trips(make_harness):
    h = await make_harness(risk=breaker("slippage", "1"), liquidity={"XYZ": "4"})
    await accepted(h, quantity=8)

    h.price(90)

    assert alerts(h) == []


async def test_slippage_limit_order_filled_at_its_limit_does_not_trip(make_harness):
    h = await make_harness(risk=breaker("slippage", "1"))
    await accepted(h, type=OrderType.LIMIT, limit_price="95")

    h.price(90)

    assert alerts(h) == []


# -- what a trip does -------------------------------------------------------------


async def test_trip_streams_alert_then_state_change_and_logs(make_harness, log_events):
    h = await make_harness(risk=breaker("daily_loss", "100"))
    await h.build_position(10)
    head = h.head

    h.price(89)

    kinds = [type(e).__name__ for e in events_since(h, head)]
    assert kinds[:2] == ["BreakerTripped", "TradingStateChanged"]
    (trip,) = log_events("breaker_tripped")
    assert (trip["breaker"], trip["account"], trip["mode"]) == ("daily_loss", "acct-a", "HALTED")


async def test_trip_restricts_at_once_before_cancel_and_flatten_run(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100", flatten_positions=True))
    await h.build_position(10)

    h.price(89)

    assert restriction(h).mode is TradingMode.HALTED  # no await yet: set synchronously
    await denied(h, "TRADING_HALTED", quantity=1)


async def test_trip_cancels_open_orders_and_flattens_when_configured(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100", flatten_positions=True))
    await h.build_position(10)
    working = await accepted(h, type=OrderType.LIMIT, limit_price="80")
    other = await accepted(h, account="acct-b", type=OrderType.LIMIT, limit_price="80")

    h.price(89)
    await h.parts.kill_switch.settle()

    assert h.order(working.order_id).state is OrderState.CANCELED
    assert h.order(other.order_id).state is OrderState.NEW
    assert h.position() == 0


async def test_trip_reducing_mode_allows_only_reducing_orders(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100", mode="REDUCING"))
    await h.build_position(10)
    h.price(89)
    await h.parts.kill_switch.settle()

    await denied(h, "TRADING_REDUCING", quantity=1)
    await accepted(h, side=SELL, quantity=4)


async def test_trip_never_loosens_a_stricter_operator_halt(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100", mode="REDUCING"))
    await h.build_position(10)
    await h.halt(TradingMode.HALTED, ACCOUNT, "acct-a", reason="ops", requested_by="ops")

    h.price(89)
    await h.parts.kill_switch.settle()

    assert (restriction(h).mode, restriction(h).requested_by) == (TradingMode.HALTED, "ops")
    assert len(alerts(h)) == 1


async def test_trip_is_latched_until_rearmed(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100", cancel_open_orders=False))
    await h.build_position(10)

    h.price(89)
    h.price(80)
    h.price(70)

    assert len(alerts(h)) == 1


async def test_resume_rearms_and_a_loss_still_over_the_limit_trips_again(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100", mode="REDUCING"))
    await h.build_position(10)
    h.price(89)
    await h.parts.kill_switch.settle()

    h.resume(ACCOUNT, "acct-a")
    assert restriction(h) is None
    h.price(88)

    assert len(alerts(h)) == 2
    assert restriction(h).mode is TradingMode.REDUCING


async def test_next_utc_day_resets_baseline_and_rearms(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100"))
    await h.build_position(10)
    h.price(89)
    h.resume(ACCOUNT, "acct-a")
    h.parts.clock.advance(DAY_NS)

    h.price(88)  # the new day's baseline is taken here
    h.price("78.01")  # 99.9 below it

    assert len(alerts(h)) == 1
    h.price("77.99")
    assert len(alerts(h)) == 2


async def test_breaker_watches_each_account_separately(make_harness):
    h = await make_harness(risk=breaker("daily_loss", "100"))
    await h.build_position(10, account="acct-a")
    await h.build_position(-10, account="acct-b")

    h.price(89)

    (alert,) = alerts(h)
    assert alert.account == "acct-a"
    assert restriction(h, "acct-b") is None
