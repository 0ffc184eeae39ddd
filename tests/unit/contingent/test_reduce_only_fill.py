"""Regression (issue 13): a resting reduce-only order never flips a position at fill time."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState, OrderType, Side

SELL, BUY = Side.SELL, Side.BUY


async def _issue_scenario(harness):
    """Long 0.501; a resting reduce-only sell 0.5 at 101; a market sell 0.5 fills first."""
    await harness.build_position("0.501")
    protective = await harness.submit_order(
        side=SELL, quantity="0.5", type=OrderType.LIMIT, limit_price=101, reduce_only=True
    )
    await harness.submit_order(side=SELL, quantity="0.5")
    return protective


async def test_reduce_only_resting_sell_fills_at_most_the_position_when_price_crosses(harness):
    protective = await _issue_scenario(harness)

    harness.price(101)

    assert harness.fill_terms(protective.order_id) == [(D("0.001"), D("101"))]
    assert harness.position() == 0


async def test_reduce_only_resting_sell_remainder_is_canceled_with_reason(harness):
    protective = await _issue_scenario(harness)

    harness.price(101)

    order = harness.order(protective.order_id)
    assert order.state is OrderState.CANCELED
    last = harness.reports(protective.order_id)[-1].event
    assert isinstance(last, ev.OrderCanceled)
    assert "reduce-only" in last.reason and "0.499" in last.reason
    assert harness.paper.working_count == 0


async def test_reduce_only_resting_buy_on_flat_position_is_canceled_without_fill(harness):
    await harness.build_position(-2)
    protective = await harness.submit_order(
        side=BUY, quantity=2, type=OrderType.STOP, stop_price=105, reduce_only=True
    )
    await harness.submit_order(side=BUY, quantity=2)

    harness.price(106)

    assert harness.fills(protective.order_id) == []
    assert harness.order(protective.order_id).state is OrderState.CANCELED
    assert harness.position() == 0


async def test_plain_resting_sell_still_fills_in_full_past_flat(harness):
    await harness.build_position("0.501")
    plain = await harness.submit_order(
        side=SELL, quantity="0.5", type=OrderType.LIMIT, limit_price=101
    )
    await harness.submit_order(side=SELL, quantity="0.5")

    harness.price(101)

    assert harness.order(plain.order_id).state is OrderState.FILLED
    assert harness.position() == D("-0.499")
