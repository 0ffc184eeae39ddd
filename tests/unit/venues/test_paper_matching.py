"""Paper venue matching, driven through the engine (no gRPC).

The shared config (tests/unit/conftest.py): symbol XYZ starts at 100 with
2 price and 4 quantity decimals; ABC starts at 50 with whole quantities.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.domain import events as ev
from fillgate.domain.enums import ExecType, OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import FailedPrecondition, InvalidArgument

BUY, SELL = Side.BUY, Side.SELL
MARKET, LIMIT, STOP, STOP_LIMIT = (
    OrderType.MARKET,
    OrderType.LIMIT,
    OrderType.STOP,
    OrderType.STOP_LIMIT,
)
GTC, IOC, FOK, DAY = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.DAY


# -- market -------------------------------------------------------------------


async def test_market_buy_fills_at_reference_price(harness):
    order = await harness.submit_order(side=BUY, quantity="2.5")

    assert order.state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D("2.5"), D(100))]
    assert order.average_fill_price == D(100)
    assert order.leaves_quantity == 0


async def test_market_sell_after_price_move_fills_at_new_reference_price(harness):
    harness.price("101.5")

    order = await harness.submit_order(side=SELL, quantity=3)

    assert order.state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(3), D("101.5"))]


async def test_market_fill_reports_pending_new_then_new_then_trade(harness):
    order = await harness.submit_order()

    exec_types = [r.exec_type for r in harness.reports(order.order_id)]
    assert exec_types == [ExecType.PENDING_NEW, ExecType.NEW, ExecType.TRADE]


async def test_market_fill_updates_position(harness):
    await harness.submit_order(side=BUY, quantity=4)
    await harness.submit_order(side=SELL, quantity="1.5")

    assert harness.position() == D("2.5")


# -- limit ----------------------------------------------------------------------


async def test_limit_buy_marketable_on_arrival_fills_at_reference_price(harness):
    order = await harness.submit_order(type=LIMIT, side=BUY, quantity=2, limit_price=105)

    assert order.state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(100))]


async def test_limit_sell_marketable_on_arrival_fills_at_reference_price(harness):
    order = await harness.submit_order(type=LIMIT, side=SELL, quantity=2, limit_price=95)

    assert order.state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(100))]


async def test_limit_buy_at_reference_price_fills_on_arrival(harness):
    order = await harness.submit_order(type=LIMIT, side=BUY, limit_price=100)

    assert order.state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(1), D(100))]


async def test_limit_buy_below_reference_price_rests_without_fill(harness):
    order = await harness.submit_order(type=LIMIT, side=BUY, quantity=2, limit_price=99)

    assert order.state is OrderState.NEW
    assert harness.fills(order.order_id) == []
    assert harness.paper.working_count == 1


async def test_limit_buy_resting_price_not_reaching_limit_stays_new(harness):
    order = await harness.submit_order(type=LIMIT, side=BUY, limit_price=99)

    harness.price("99.01")

    assert harness.order(order.order_id).state is OrderState.NEW
    assert harness.fills(order.order_id) == []


async def test_limit_buy_resting_price_crosses_fills_at_limit_price(harness):
    order = await harness.submit_order(type=LIMIT, side=BUY, quantity=2, limit_price=99)

    harness.price(97)  # gaps through the limit: the resting order fills at its own price

    assert harness.order(order.order_id).state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(99))]


async def test_limit_sell_resting_price_crosses_fills_at_limit_price(harness):
    order = await harness.submit_order(type=LIMIT, side=SELL, quantity=2, limit_price=101)

    harness.price(103)

    assert harness.order(order.order_id).state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(101))]


async def test_limit_sell_resting_price_touches_limit_fills_at_limit_price(harness):
    order = await harness.submit_order(type=LIMIT, side=SELL, limit_price=101)

    harness.price(101)

    assert harness.fill_terms(order.order_id) == [(D(1), D(101))]


async def test_limit_resting_other_symbol_price_move_does_not_fill(harness):
    order = await harness.submit_order(type=LIMIT, side=BUY, limit_price=99)

    harness.price(1, symbol="ABC")

    assert harness.order(order.order_id).state is OrderState.NEW


# -- stop -------------------------------------------------------------------------


async def test_stop_buy_below_stop_rests_untriggered(harness):
    order = await harness.submit_order(type=STOP, side=BUY, stop_price=105)

    harness.price("104.99")

    order = harness.order(order.order_id)
    assert order.state is OrderState.NEW
    assert not order.triggered
    assert harness.fills(order.order_id) == []


async def test_stop_buy_price_reaches_stop_fills_at_new_price(harness):
    order = await harness.submit_order(type=STOP, side=BUY, quantity=2, stop_price=105)

    harness.price(105)

    order = harness.order(order.order_id)
    assert order.state is OrderState.FILLED
    assert order.triggered
    assert harness.fill_terms(order.order_id) == [(D(2), D(105))]


async def test_stop_buy_price_gaps_through_stop_fills_at_new_price(harness):
    order = await harness.submit_order(type=STOP, side=BUY, quantity=2, stop_price=105)

    harness.price(108)

    assert harness.order(order.order_id).state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(108))]


async def test_stop_sell_price_reaches_stop_fills_at_new_price(harness):
    order = await harness.submit_order(type=STOP, side=SELL, quantity=2, stop_price=95)

    harness.price(95)

    assert harness.order(order.order_id).state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(95))]


async def test_stop_sell_price_gaps_through_stop_fills_at_new_price(harness):
    order = await harness.submit_order(type=STOP, side=SELL, quantity=2, stop_price=95)

    harness.price(90)

    assert harness.fill_terms(order.order_id) == [(D(2), D(90))]


async def test_stop_sell_above_stop_rests_untriggered(harness):
    order = await harness.submit_order(type=STOP, side=SELL, stop_price=95)

    harness.price("95.01")

    assert harness.order(order.order_id).state is OrderState.NEW
    assert harness.fills(order.order_id) == []


async def test_stop_trigger_emits_triggered_report_before_trade(harness):
    order = await harness.submit_order(type=STOP, side=BUY, stop_price=105)

    harness.price(106)

    exec_types = [r.exec_type for r in harness.reports(order.order_id)]
    assert exec_types == [
        ExecType.PENDING_NEW,
        ExecType.NEW,
        ExecType.TRIGGERED,
        ExecType.TRADE,
    ]


async def test_stop_buy_already_reached_on_arrival_triggers_and_fills(harness):
    order = await harness.submit_order(type=STOP, side=BUY, stop_price=100)

    assert order.state is OrderState.FILLED
    assert order.triggered
    assert harness.fill_terms(order.order_id) == [(D(1), D(100))]


# -- stop-limit ---------------------------------------------------------------


async def test_stop_limit_buy_triggered_within_limit_fills_at_new_price(harness):
    order = await harness.submit_order(
        type=STOP_LIMIT, side=BUY, quantity=2, stop_price=105, limit_price=106
    )

    harness.price(105)

    order = harness.order(order.order_id)
    assert order.state is OrderState.FILLED
    assert order.triggered
    assert harness.fill_terms(order.order_id) == [(D(2), D(105))]


async def test_stop_limit_buy_triggered_beyond_limit_rests_as_limit(harness):
    order = await harness.submit_order(type=STOP_LIMIT, side=BUY, stop_price=105, limit_price=106)

    harness.price(107)

    order = harness.order(order.order_id)
    assert order.state is OrderState.NEW
    assert order.triggered
    assert harness.fills(order.order_id) == []
    assert ExecType.TRIGGERED in [r.exec_type for r in harness.reports(order.order_id)]


async def test_stop_limit_buy_resting_after_trigger_fills_at_limit_when_price_returns(harness):
    order = await harness.submit_order(
        type=STOP_LIMIT, side=BUY, quantity=2, stop_price=105, limit_price=106
    )
    harness.price(107)

    harness.price("105.5")

    assert harness.order(order.order_id).state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(106))]


async def test_stop_limit_triggers_only_once(harness):
    order = await harness.submit_order(type=STOP_LIMIT, side=BUY, stop_price=105, limit_price=106)
    harness.price(107)
    harness.price(108)
    harness.price(106)

    exec_types = [r.exec_type for r in harness.reports(order.order_id)]
    assert exec_types.count(ExecType.TRIGGERED) == 1


async def test_stop_limit_sell_triggered_beyond_limit_fills_at_limit_on_rebound(harness):
    order = await harness.submit_order(
        type=STOP_LIMIT, side=SELL, quantity=3, stop_price=95, limit_price=94
    )
    harness.price(93)
    assert harness.order(order.order_id).state is OrderState.NEW

    harness.price("94.5")

    assert harness.fill_terms(order.order_id) == [(D(3), D(94))]


# -- IOC ----------------------------------------------------------------------


async def test_ioc_market_with_liquidity_cap_fills_part_and_expires_rest(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})

    order = await h.submit_order(time_in_force=IOC, quantity=10)

    assert order.state is OrderState.EXPIRED
    assert order.filled_quantity == D(4)
    assert order.leaves_quantity == 0
    assert h.fill_terms(order.order_id) == [(D(4), D(100))]
    assert h.paper.working_count == 0


async def test_ioc_partial_reports_trade_then_expired(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})

    order = await h.submit_order(time_in_force=IOC, quantity=10)

    exec_types = [r.exec_type for r in h.reports(order.order_id)]
    assert exec_types[-2:] == [ExecType.TRADE, ExecType.EXPIRED]


async def test_ioc_with_enough_liquidity_fills_completely(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})

    order = await h.submit_order(time_in_force=IOC, quantity=4)

    assert order.state is OrderState.FILLED
    assert h.fill_terms(order.order_id) == [(D(4), D(100))]


async def test_ioc_with_zero_liquidity_expires_without_fill(make_harness):
    h = await make_harness(liquidity={"XYZ": "0"})

    order = await h.submit_order(time_in_force=IOC, quantity=2)

    assert order.state is OrderState.EXPIRED
    assert order.filled_quantity == 0
    assert h.fills(order.order_id) == []


async def test_ioc_limit_not_marketable_expires_without_fill(harness):
    order = await harness.submit_order(
        type=LIMIT, time_in_force=IOC, side=BUY, quantity=2, limit_price=99
    )

    assert order.state is OrderState.EXPIRED
    assert harness.fills(order.order_id) == []
    assert harness.paper.working_count == 0


async def test_ioc_limit_not_marketable_does_not_fill_on_later_price_move(harness):
    order = await harness.submit_order(type=LIMIT, time_in_force=IOC, limit_price=99)

    harness.price(98)

    assert harness.order(order.order_id).state is OrderState.EXPIRED
    assert harness.fills(order.order_id) == []


# -- FOK ----------------------------------------------------------------------


async def test_fok_with_enough_liquidity_fills_completely(make_harness):
    h = await make_harness(liquidity={"XYZ": "5"})

    order = await h.submit_order(time_in_force=FOK, quantity=5)

    assert order.state is OrderState.FILLED
    assert h.fill_terms(order.order_id) == [(D(5), D(100))]


async def test_fok_without_enough_liquidity_expires_with_no_fill(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})

    order = await h.submit_order(time_in_force=FOK, quantity=5)

    assert order.state is OrderState.EXPIRED
    assert order.filled_quantity == 0
    assert h.fills(order.order_id) == []
    assert h.position() == 0


async def test_fok_limit_not_marketable_expires_with_no_fill(harness):
    order = await harness.submit_order(
        type=LIMIT, time_in_force=FOK, side=SELL, quantity=2, limit_price=101
    )

    assert order.state is OrderState.EXPIRED
    assert harness.fills(order.order_id) == []


async def test_fok_limit_marketable_fills_completely_at_reference_price(harness):
    order = await harness.submit_order(
        type=LIMIT, time_in_force=FOK, side=SELL, quantity=2, limit_price=99
    )

    assert order.state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(100))]


async def test_fok_after_liquidity_used_at_same_price_expires_with_no_fill(make_harness):
    h = await make_harness(liquidity={"XYZ": "5"})
    await h.submit_order(quantity=3)

    order = await h.submit_order(time_in_force=FOK, quantity=3)

    assert order.state is OrderState.EXPIRED
    assert h.fills(order.order_id) == []


# -- DAY / GTC ------------------------------------------------------------------


async def test_day_resting_limit_expires_at_day_end(harness):
    order = await harness.submit_order(type=LIMIT, time_in_force=DAY, limit_price=99)

    expired = harness.paper.expire_day_orders()

    assert expired == 1
    order = harness.order(order.order_id)
    assert order.state is OrderState.EXPIRED
    assert harness.reports(order.order_id)[-1].exec_type is ExecType.EXPIRED


async def test_day_resting_stop_expires_at_day_end(harness):
    order = await harness.submit_order(type=STOP, time_in_force=DAY, stop_price=105)

    harness.paper.expire_day_orders()

    assert harness.order(order.order_id).state is OrderState.EXPIRED


async def test_day_expired_order_does_not_fill_on_later_price_move(harness):
    order = await harness.submit_order(type=LIMIT, time_in_force=DAY, limit_price=99)
    harness.paper.expire_day_orders()

    harness.price(98)

    assert harness.fills(order.order_id) == []


async def test_gtc_resting_limit_survives_day_end(harness):
    order = await harness.submit_order(type=LIMIT, time_in_force=GTC, limit_price=99)

    expired = harness.paper.expire_day_orders()

    assert expired == 0
    assert harness.order(order.order_id).state is OrderState.NEW
    harness.price(99)
    assert harness.order(order.order_id).state is OrderState.FILLED


async def test_day_partially_filled_order_expires_keeping_its_fills(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(time_in_force=DAY, quantity=10)

    h.paper.expire_day_orders()

    order = h.order(order.order_id)
    assert order.state is OrderState.EXPIRED
    assert order.filled_quantity == D(4)


# -- liquidity ------------------------------------------------------------------


async def test_market_gtc_liquidity_cap_fills_remainder_on_later_price_moves(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(quantity=10)
    assert order.state is OrderState.PARTIALLY_FILLED

    h.price(101)
    h.price(102)

    order = h.order(order.order_id)
    assert order.state is OrderState.FILLED
    assert h.fill_terms(order.order_id) == [(D(4), D(100)), (D(4), D(101)), (D(2), D(102))]
    assert order.average_fill_price == D("100.8")


async def test_limit_resting_liquidity_cap_fills_crossed_part_at_limit_rest_at_market(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(type=LIMIT, side=BUY, quantity=6, limit_price=99)

    h.price(98)
    assert h.order(order.order_id).state is OrderState.PARTIALLY_FILLED
    h.price(97)

    assert h.order(order.order_id).state is OrderState.FILLED
    # The first fill is the price crossing the resting limit; the remainder was then
    # marketable and only short of liquidity, so it takes the next price.
    assert h.fill_terms(order.order_id) == [(D(4), D(99)), (D(2), D(97))]


async def test_limit_marketable_remainder_fills_at_reference_price_on_next_move(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(type=LIMIT, side=BUY, quantity=8, limit_price=105)

    h.price(101)  # still below the limit: the price never crossed 105

    assert h.fill_terms(order.order_id) == [(D(4), D(100)), (D(4), D(101))]


async def test_liquidity_is_shared_by_orders_at_the_same_price_level(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    first = await h.submit_order(quantity=3)

    second = await h.submit_order(quantity=3)

    assert first.state is OrderState.FILLED
    assert second.state is OrderState.PARTIALLY_FILLED
    assert h.fill_terms(second.order_id) == [(D(1), D(100))]


async def test_liquidity_cap_applies_per_symbol(make_harness):
    h = await make_harness(liquidity={"XYZ": "1"})

    order = await h.submit_order(symbol="ABC", quantity=50)

    assert order.state is OrderState.FILLED


# -- fees ---------------------------------------------------------------------


async def test_fee_is_fee_rate_times_notional(make_harness):
    h = await make_harness(fee_rate="0.001")

    order = await h.submit_order(quantity="2.5")

    (fill,) = h.fills(order.order_id)
    assert fill.fee == D("0.25")  # 0.001 x 2.5 x 100
    assert order.fees == D("0.25")


async def test_fees_accumulate_over_partial_fills(make_harness):
    h = await make_harness(fee_rate="0.001", liquidity={"XYZ": "4"})
    order = await h.submit_order(quantity=6)

    h.price(110)

    assert [f.fee for f in h.fills(order.order_id)] == [D("0.4"), D("0.22")]
    assert h.order(order.order_id).fees == D("0.62")


async def test_fee_on_resting_limit_uses_limit_price_notional(make_harness):
    h = await make_harness(fee_rate="0.002")
    order = await h.submit_order(type=LIMIT, side=BUY, quantity=5, limit_price=99)

    h.price(90)

    (fill,) = h.fills(order.order_id)
    assert fill.fee == D("0.99")  # 0.002 x 5 x 99


async def test_fee_rate_zero_charges_no_fee(harness):
    order = await harness.submit_order(quantity=3)

    assert order.fees == 0


# -- cancel -------------------------------------------------------------------


async def test_cancel_resting_limit_becomes_canceled(harness):
    order = await harness.submit_order(type=LIMIT, limit_price=99)

    canceled = await harness.cancel(order.order_id)

    assert canceled.state is OrderState.CANCELED
    assert harness.paper.working_count == 0
    exec_types = [r.exec_type for r in harness.reports(order.order_id)]
    assert exec_types[-2:] == [ExecType.PENDING_CANCEL, ExecType.CANCELED]


async def test_cancel_resting_limit_does_not_fill_on_later_price_move(harness):
    order = await harness.submit_order(type=LIMIT, limit_price=99)
    await harness.cancel(order.order_id)

    harness.price(90)

    assert harness.order(order.order_id).state is OrderState.CANCELED
    assert harness.fills(order.order_id) == []
    assert harness.position() == 0


async def test_cancel_untriggered_stop_does_not_trigger_on_later_price_move(harness):
    order = await harness.submit_order(type=STOP, stop_price=105)
    await harness.cancel(order.order_id)

    harness.price(110)

    exec_types = [r.exec_type for r in harness.reports(order.order_id)]
    assert ExecType.TRIGGERED not in exec_types
    assert harness.fills(order.order_id) == []


async def test_cancel_partially_filled_order_keeps_fills(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(quantity=10)

    canceled = await h.cancel(order.order_id)
    h.price(101)

    assert canceled.state is OrderState.CANCELED
    assert canceled.filled_quantity == D(4)
    assert h.order(order.order_id).filled_quantity == D(4)


async def test_cancel_filled_order_raises_order_not_open(harness):
    order = await harness.submit_order()

    with pytest.raises(FailedPrecondition) as info:
        await harness.cancel(order.order_id)

    assert info.value.reason == "ORDER_NOT_OPEN"
    assert harness.order(order.order_id).state is OrderState.FILLED


async def test_cancel_twice_returns_canceled_order(harness):
    order = await harness.submit_order(type=LIMIT, limit_price=99)
    first = await harness.cancel(order.order_id)
    head = harness.head

    second = await harness.cancel(order.order_id)

    assert second.state is OrderState.CANCELED
    assert second == first
    assert harness.head == head


# -- replace ------------------------------------------------------------------


async def test_replace_resting_limit_changes_price_and_quantity(harness):
    order = await harness.submit_order(type=LIMIT, quantity=2, limit_price=99)

    replaced = await harness.replace(order.order_id, quantity=3, limit_price=98)

    assert replaced.state is OrderState.NEW
    assert replaced.quantity == D(3)
    assert replaced.limit_price == D(98)
    assert replaced.version == order.version + 1
    exec_types = [r.exec_type for r in harness.reports(order.order_id)]
    assert exec_types[-2:] == [ExecType.PENDING_REPLACE, ExecType.REPLACED]


async def test_replace_resting_limit_fills_at_new_limit_price(harness):
    order = await harness.submit_order(type=LIMIT, quantity=2, limit_price=99)
    await harness.replace(order.order_id, quantity=3, limit_price=98)

    harness.price("98.5")
    assert harness.fills(order.order_id) == []  # the old limit 99 no longer applies
    harness.price(97)

    assert harness.order(order.order_id).state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(3), D(98))]


async def test_replace_resting_limit_to_marketable_price_fills_at_reference(harness):
    order = await harness.submit_order(type=LIMIT, side=BUY, quantity=2, limit_price=99)

    replaced = await harness.replace(order.order_id, limit_price=101)

    assert replaced.state is OrderState.FILLED
    assert harness.fill_terms(order.order_id) == [(D(2), D(100))]


async def test_replace_untriggered_stop_to_reached_stop_triggers_and_fills(harness):
    order = await harness.submit_order(type=STOP, side=BUY, stop_price=105)

    replaced = await harness.replace(order.order_id, stop_price=100)

    assert replaced.state is OrderState.FILLED
    assert replaced.triggered


async def test_replace_quantity_equal_to_filled_raises_invalid_argument(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(type=LIMIT, quantity=10, limit_price=99)
    h.price(98)  # fills 4 of 10 at the limit
    head = h.head

    with pytest.raises(InvalidArgument) as info:
        await h.replace(order.order_id, quantity=4)

    assert [f for f, _ in info.value.violations] == ["quantity"]
    assert h.order(order.order_id).quantity == D(10)
    assert h.order(order.order_id).state is OrderState.PARTIALLY_FILLED
    assert h.head == head


async def test_replace_quantity_below_filled_raises_invalid_argument(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(type=LIMIT, quantity=10, limit_price=99)
    h.price(98)

    with pytest.raises(InvalidArgument) as info:
        await h.replace(order.order_id, quantity=3)

    assert "quantity" in [f for f, _ in info.value.violations]


async def test_replace_partially_filled_quantity_leaves_only_the_difference(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(type=LIMIT, quantity=10, limit_price=99)
    h.price(98)

    replaced = await h.replace(order.order_id, quantity=6)
    h.price(97)

    assert replaced.state is OrderState.PARTIALLY_FILLED
    assert replaced.leaves_quantity == D(2)
    assert h.order(order.order_id).state is OrderState.FILLED
    assert h.fill_terms(order.order_id) == [(D(4), D(99)), (D(2), D(97))]


async def test_replace_filled_order_raises_order_not_replaceable(harness):
    order = await harness.submit_order()

    with pytest.raises(FailedPrecondition) as info:
        await harness.replace(order.order_id, quantity=2)

    assert info.value.reason == "ORDER_NOT_REPLACEABLE"


# -- reports ------------------------------------------------------------------


async def test_trade_report_carries_cumulative_and_leaves(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    order = await h.submit_order(quantity=10)
    h.price(101)

    trades = [r for r in h.reports(order.order_id) if r.exec_type is ExecType.TRADE]

    assert [(r.order.filled_quantity, r.order.leaves_quantity) for r in trades] == [
        (D(4), D(6)),
        (D(8), D(2)),
    ]
    assert all(isinstance(r.event, ev.OrderFilled) for r in trades)
    assert len({r.exec_id for r in h.reports()}) == len(h.reports())
