"""Regression (issue 13): under REDUCING, orders that reduce exposure stay open.

A REDUCING restriction with ``cancel_open_orders`` cancels only the orders
that could add exposure; a HALTED one still cancels everything.
"""

from __future__ import annotations

from fillgate.domain.enums import HaltScope, OrderState, OrderType, Side, TradingMode

REDUCING, HALTED = TradingMode.REDUCING, TradingMode.HALTED
SELL, BUY = Side.SELL, Side.BUY


async def _protected_long(harness):
    """Long 10 protected by a reduce-only stop, plus a buy limit that would add to it."""
    await harness.build_position(10)
    stop = await harness.submit_order(
        side=SELL, quantity=10, type=OrderType.STOP, stop_price=90, reduce_only=True
    )
    adding = await harness.submit_order(side=BUY, quantity=1, type=OrderType.LIMIT, limit_price=95)
    return stop, adding


async def test_reducing_cancel_open_orders_keeps_reduce_only_stop(harness):
    stop, _adding = await _protected_long(harness)

    await harness.halt(REDUCING, HaltScope.ALL, cancel_open_orders=True)

    assert harness.order(stop.order_id).state is OrderState.NEW


async def test_reducing_cancel_open_orders_cancels_order_that_adds_exposure(harness):
    _stop, adding = await _protected_long(harness)

    result = await harness.halt(REDUCING, HaltScope.ALL, cancel_open_orders=True)

    assert [o.order_id for o in result.canceled] == [adding.order_id]
    assert harness.order(adding.order_id).state is OrderState.CANCELED


async def test_reducing_cancel_open_orders_keeps_plain_sells_within_position(harness):
    await harness.build_position(10)
    take_profit = await harness.submit_order(
        side=SELL, quantity=6, type=OrderType.LIMIT, limit_price=110
    )
    beyond = await harness.submit_order(
        side=SELL, quantity=6, type=OrderType.LIMIT, limit_price=120
    )

    await harness.halt(REDUCING, HaltScope.ALL, cancel_open_orders=True)

    assert harness.order(take_profit.order_id).state is OrderState.NEW
    assert harness.order(beyond.order_id).state is OrderState.CANCELED


async def test_reducing_cancel_open_orders_on_flat_cancels_everything(harness):
    order = await harness.submit_order(side=SELL, quantity=1, type=OrderType.LIMIT, limit_price=110)

    await harness.halt(REDUCING, HaltScope.ALL, cancel_open_orders=True)

    assert harness.order(order.order_id).state is OrderState.CANCELED


async def test_reducing_protective_stop_still_protects_after_breaker_style_halt(harness):
    stop, _adding = await _protected_long(harness)
    await harness.halt(REDUCING, HaltScope.ALL, cancel_open_orders=True)

    harness.price(89)

    assert harness.order(stop.order_id).state is OrderState.FILLED
    assert harness.position() == 0


async def test_halted_cancel_open_orders_still_cancels_protective_stop(harness):
    stop, _adding = await _protected_long(harness)

    await harness.halt(HALTED, HaltScope.ALL, cancel_open_orders=True)

    assert harness.order(stop.order_id).state is OrderState.CANCELED
