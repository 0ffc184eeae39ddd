"""Halt and Resume: the halt guard per scope, REDUCING, reduce-only, cancel and flatten."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.domain.enums import (
    HaltScope,
    OrderState,
    OrderType,
    Side,
    TimeInForce,
    TradingMode,
)
from fillgate.domain.errors import FailedPrecondition, InvalidArgument, NotFound
from fillgate.domain.events import TradingStateChanged
from fillgate.engine.kill_switch import FLATTEN_STRATEGY

HALTED, REDUCING = TradingMode.HALTED, TradingMode.REDUCING
ALL, ACCOUNT, SYMBOL, STRATEGY = (
    HaltScope.ALL,
    HaltScope.ACCOUNT,
    HaltScope.SYMBOL,
    HaltScope.STRATEGY,
)
BUY, SELL = Side.BUY, Side.SELL


async def _denied(harness, reason: str, **overrides) -> FailedPrecondition:
    """Submit, expect a FailedPrecondition with ``reason``: no order, only the denial published."""
    head, count = harness.head, harness.order_count()
    with pytest.raises(FailedPrecondition) as info:
        await harness.submit(**overrides)
    assert info.value.reason == reason
    harness.assert_only_denial_since(head, reason)
    assert harness.order_count() == count
    return info.value


async def _accepted(harness, **overrides):
    result = await harness.submit(**overrides)
    assert not result.duplicate
    return result.order


# -- HALTED per scope -----------------------------------------------------------


async def test_halt_all_denies_any_order_with_trading_halted(harness):
    await harness.halt(HALTED, ALL)

    exc = await _denied(harness, "TRADING_HALTED", account="acct-b", symbol="ABC")

    assert exc.metadata["scope"] == "ALL"
    assert exc.metadata["mode"] == "HALTED"
    assert exc.metadata["halt_reason"] == "unit test"


async def test_halt_all_denies_a_reducing_order(harness):
    await harness.build_position(10)
    await harness.halt(HALTED, ALL)

    await _denied(harness, "TRADING_HALTED", side=SELL, quantity=5)


async def test_halt_account_denies_orders_in_that_account(harness):
    await harness.halt(HALTED, ACCOUNT, "acct-a")

    exc = await _denied(harness, "TRADING_HALTED", account="acct-a")

    assert exc.metadata["target"] == "acct-a"


async def test_halt_account_allows_orders_in_other_account(harness):
    await harness.halt(HALTED, ACCOUNT, "acct-a")

    order = await _accepted(harness, account="acct-b")

    assert order.state is OrderState.FILLED


async def test_halt_symbol_denies_orders_in_that_symbol(harness):
    await harness.halt(HALTED, SYMBOL, "XYZ")

    await _denied(harness, "TRADING_HALTED", symbol="XYZ", account="acct-b")


async def test_halt_symbol_allows_orders_in_other_symbol(harness):
    await harness.halt(HALTED, SYMBOL, "XYZ")

    await _accepted(harness, symbol="ABC")


async def test_halt_strategy_denies_orders_of_that_strategy(harness):
    await harness.halt(HALTED, STRATEGY, "momo")

    await _denied(harness, "TRADING_HALTED", strategy_id="momo")


async def test_halt_strategy_allows_other_and_untagged_strategies(harness):
    await harness.halt(HALTED, STRATEGY, "momo")

    await _accepted(harness, strategy_id="carry")
    await _accepted(harness, strategy_id="")


async def test_halt_publishes_trading_state_changed(harness):
    head = harness.head

    await harness.halt(REDUCING, SYMBOL, "XYZ", reason="fat finger", requested_by="ops")

    sub = harness.engine.bus.subscribe(from_sequence=head)
    (event,) = list(sub.backlog)
    sub.close()
    assert isinstance(event.payload, TradingStateChanged)
    assert (event.payload.scope, event.payload.target, event.payload.mode) == (
        SYMBOL,
        "XYZ",
        REDUCING,
    )
    assert event.payload.reason == "fat finger"
    assert event.payload.requested_by == "ops"
    assert event.symbol == "XYZ"


async def test_halt_returns_restriction_in_force(harness):
    result = await harness.halt(HALTED, ACCOUNT, "acct-b")

    assert harness.engine.trading.restrictions() == [result.restriction]
    assert result.canceled == []
    assert result.flattened == []


# -- REDUCING -------------------------------------------------------------------


async def test_reducing_allows_sell_smaller_than_long_position(harness):
    await harness.build_position(10)
    await harness.halt(REDUCING, ALL)

    order = await _accepted(harness, side=SELL, quantity=4)

    assert order.state is OrderState.FILLED
    assert harness.position() == D(6)


async def test_reducing_allows_sell_equal_to_long_position(harness):
    await harness.build_position(10)
    await harness.halt(REDUCING, ALL)

    await _accepted(harness, side=SELL, quantity=10)

    assert harness.position() == 0


async def test_reducing_denies_sell_larger_than_long_position(harness):
    await harness.build_position(10)
    await harness.halt(REDUCING, ALL)

    exc = await _denied(harness, "TRADING_REDUCING", side=SELL, quantity="10.0001")

    assert exc.metadata["mode"] == "REDUCING"


async def test_reducing_denies_buy_that_increases_long_position(harness):
    await harness.build_position(10)
    await harness.halt(REDUCING, ALL)

    await _denied(harness, "TRADING_REDUCING", side=BUY, quantity=1)


async def test_reducing_denies_any_order_when_flat(harness):
    await harness.halt(REDUCING, ALL)

    await _denied(harness, "TRADING_REDUCING", side=SELL, quantity=1)


async def test_reducing_allows_buy_smaller_than_short_position(harness):
    await harness.build_position(-5)
    await harness.halt(REDUCING, ALL)

    await _accepted(harness, side=BUY, quantity=5)

    assert harness.position() == 0


async def test_reducing_counts_open_sell_orders_and_denies_excess(harness):
    await harness.build_position(10)
    await _accepted(harness, side=SELL, type=OrderType.LIMIT, quantity=6, limit_price=105)
    await harness.halt(REDUCING, ALL)

    await _denied(harness, "TRADING_REDUCING", side=SELL, quantity=5)


async def test_reducing_counts_open_sell_orders_and_allows_remainder(harness):
    await harness.build_position(10)
    await _accepted(harness, side=SELL, type=OrderType.LIMIT, quantity=6, limit_price=105)
    await harness.halt(REDUCING, ALL)

    await _accepted(harness, side=SELL, type=OrderType.LIMIT, quantity=4, limit_price=105)


async def test_reducing_ignores_open_orders_in_other_account(harness):
    await harness.build_position(10)
    await _accepted(
        harness, account="acct-b", side=SELL, type=OrderType.LIMIT, quantity=8, limit_price=105
    )
    await harness.halt(REDUCING, ALL)

    await _accepted(harness, side=SELL, quantity=10)


async def test_reducing_account_scope_allows_increase_in_other_account(harness):
    await harness.halt(REDUCING, ACCOUNT, "acct-a")

    await _accepted(harness, account="acct-b", side=BUY, quantity=3)


# -- strictest wins -------------------------------------------------------------


async def test_strictest_symbol_halted_over_all_reducing_denies_reducing_order(harness):
    await harness.build_position(10)
    await harness.halt(REDUCING, ALL)
    await harness.halt(HALTED, SYMBOL, "XYZ")

    exc = await _denied(harness, "TRADING_HALTED", side=SELL, quantity=5)

    assert exc.metadata["scope"] == "SYMBOL"


async def test_strictest_all_halted_over_account_reducing_denies_reducing_order(harness):
    await harness.build_position(10)
    await harness.halt(HALTED, ALL)
    await harness.halt(REDUCING, ACCOUNT, "acct-a")

    exc = await _denied(harness, "TRADING_HALTED", side=SELL, quantity=5)

    assert exc.metadata["scope"] == "ALL"


async def test_strictest_reducing_strategy_over_nothing_denies_increase(harness):
    await harness.halt(REDUCING, STRATEGY, "momo")

    await _denied(harness, "TRADING_REDUCING", strategy_id="momo")


async def test_strictest_other_symbol_halted_does_not_block_reducing_order(harness):
    await harness.build_position(10)
    await harness.halt(REDUCING, ALL)
    await harness.halt(HALTED, SYMBOL, "ABC")

    await _accepted(harness, side=SELL, quantity=5)


async def test_halt_same_scope_again_replaces_mode(harness):
    await harness.build_position(10)
    await harness.halt(HALTED, ALL)
    await harness.halt(REDUCING, ALL)

    await _accepted(harness, side=SELL, quantity=5)


# -- resume ---------------------------------------------------------------------


async def test_resume_all_restores_trading(harness):
    await harness.halt(HALTED, ALL)

    harness.resume(ALL)

    await _accepted(harness, side=BUY)
    assert harness.engine.trading.restrictions() == []


async def test_resume_one_scope_keeps_other_restriction(harness):
    await harness.halt(HALTED, ALL)
    await harness.halt(HALTED, SYMBOL, "XYZ")

    harness.resume(ALL)

    await _denied(harness, "TRADING_HALTED", symbol="XYZ")
    await _accepted(harness, symbol="ABC")


async def test_resume_publishes_active_state(harness):
    await harness.halt(HALTED, ACCOUNT, "acct-a")
    head = harness.head

    harness.resume(ACCOUNT, "acct-a")

    sub = harness.engine.bus.subscribe(from_sequence=head)
    (event,) = list(sub.backlog)
    sub.close()
    assert event.payload.mode is TradingMode.ACTIVE


async def test_resume_without_restriction_raises_not_found(harness):
    with pytest.raises(NotFound) as info:
        harness.resume(SYMBOL, "XYZ")

    assert info.value.reason == "RESTRICTION_NOT_FOUND"


# -- replace and cancel while restricted ----------------------------------------


async def test_halted_replace_increasing_quantity_raises_trading_halted(harness):
    order = await _accepted(harness, type=OrderType.LIMIT, limit_price=99)
    await harness.halt(HALTED, ALL)
    head = harness.head

    with pytest.raises(FailedPrecondition) as info:
        await harness.replace(order.order_id, quantity=50, limit_price=101)

    assert info.value.reason == "TRADING_HALTED"
    assert harness.head == head
    assert harness.position() == 0


async def test_reducing_replace_sell_beyond_long_position_raises_trading_reducing(harness):
    await harness.build_position(10)
    order = await _accepted(harness, side=SELL, type=OrderType.LIMIT, quantity=5, limit_price=105)
    await harness.halt(REDUCING, ALL)

    with pytest.raises(FailedPrecondition) as info:
        await harness.replace(order.order_id, quantity=30, limit_price=99)

    assert info.value.reason == "TRADING_REDUCING"
    assert harness.position() == D(10)


async def test_reduce_only_replace_to_quantity_crossing_flat_raises_would_increase(harness):
    await harness.build_position(10)
    order = await _accepted(
        harness, side=SELL, type=OrderType.LIMIT, quantity=5, limit_price=105, reduce_only=True
    )

    with pytest.raises(FailedPrecondition) as info:
        await harness.replace(order.order_id, quantity=15, limit_price=99)

    assert info.value.reason == "REDUCE_ONLY_WOULD_INCREASE"
    assert harness.position() == D(10)


async def test_halted_replace_decreasing_quantity_is_allowed(harness):
    order = await _accepted(harness, type=OrderType.LIMIT, quantity=5, limit_price=99)
    await harness.halt(HALTED, ALL)

    replaced = await harness.replace(order.order_id, quantity=2)

    assert replaced.quantity == D(2)
    assert replaced.state is OrderState.NEW


async def test_halted_cancel_of_open_order_is_allowed(harness):
    order = await _accepted(harness, type=OrderType.LIMIT, limit_price=99)
    await harness.halt(HALTED, ALL)

    canceled = await harness.cancel(order.order_id)

    assert canceled.state is OrderState.CANCELED


# -- cancel open orders ---------------------------------------------------------


async def test_halt_cancel_open_orders_cancels_orders_in_symbol_scope_only(harness):
    in_scope_a = await _accepted(harness, type=OrderType.LIMIT, limit_price=99)
    in_scope_b = await _accepted(harness, account="acct-b", type=OrderType.LIMIT, limit_price=99)
    out_of_scope = await _accepted(harness, symbol="ABC", type=OrderType.LIMIT, limit_price=49)

    result = await harness.halt(HALTED, SYMBOL, "XYZ", cancel_open_orders=True)

    assert sorted(o.order_id for o in result.canceled) == sorted(
        [in_scope_a.order_id, in_scope_b.order_id]
    )
    assert all(o.state is OrderState.CANCELED for o in result.canceled)
    assert harness.order(out_of_scope.order_id).state is OrderState.NEW


async def test_halt_cancel_open_orders_cancels_orders_in_account_scope_only(harness):
    in_scope = await _accepted(harness, type=OrderType.LIMIT, limit_price=99)
    out_of_scope = await _accepted(harness, account="acct-b", type=OrderType.LIMIT, limit_price=99)

    result = await harness.halt(HALTED, ACCOUNT, "acct-a", cancel_open_orders=True)

    assert [o.order_id for o in result.canceled] == [in_scope.order_id]
    assert harness.order(out_of_scope.order_id).state is OrderState.NEW


async def test_halt_cancel_open_orders_cancels_orders_in_strategy_scope_only(harness):
    in_scope = await _accepted(harness, type=OrderType.LIMIT, limit_price=99, strategy_id="momo")
    out_of_scope = await _accepted(harness, type=OrderType.LIMIT, limit_price=99)

    result = await harness.halt(HALTED, STRATEGY, "momo", cancel_open_orders=True)

    assert [o.order_id for o in result.canceled] == [in_scope.order_id]
    assert harness.order(out_of_scope.order_id).state is OrderState.NEW


async def test_halt_cancel_open_orders_all_scope_cancels_every_open_order(harness):
    await _accepted(harness, type=OrderType.LIMIT, limit_price=99)
    await _accepted(harness, account="acct-b", symbol="ABC", type=OrderType.STOP, stop_price=60)

    result = await harness.halt(HALTED, ALL, cancel_open_orders=True)

    assert len(result.canceled) == 2
    assert harness.engine.open_orders() == []
    assert harness.paper.working_count == 0


async def test_halt_cancel_open_orders_skips_filled_orders(harness):
    filled = await _accepted(harness)

    result = await harness.halt(HALTED, ALL, cancel_open_orders=True)

    assert result.canceled == []
    assert harness.order(filled.order_id).state is OrderState.FILLED


async def test_halt_without_cancel_open_orders_leaves_orders_working(harness):
    order = await _accepted(harness, type=OrderType.LIMIT, limit_price=99)

    await harness.halt(HALTED, ALL)
    harness.price(98)

    assert harness.order(order.order_id).state is OrderState.FILLED


# -- flatten --------------------------------------------------------------------


async def test_halt_flatten_closes_long_position_with_market_sell(harness):
    await harness.build_position(10)

    result = await harness.halt(HALTED, ALL, flatten_positions=True)

    (order,) = result.flattened
    assert (order.side, order.quantity, order.type) == (SELL, D(10), OrderType.MARKET)
    assert order.time_in_force is TimeInForce.IOC
    assert order.strategy_id == FLATTEN_STRATEGY
    assert order.state is OrderState.FILLED
    assert harness.position() == 0


async def test_halt_flatten_closes_short_position_with_market_buy(harness):
    await harness.build_position(-3)

    result = await harness.halt(HALTED, ALL, flatten_positions=True)

    (order,) = result.flattened
    assert (order.side, order.quantity) == (BUY, D(3))
    assert harness.position() == 0


async def test_halt_flatten_symbol_scope_closes_that_symbol_in_every_account(harness):
    await harness.build_position(10, account="acct-a")
    await harness.build_position(-4, account="acct-b")
    await harness.build_position(7, symbol="ABC")

    result = await harness.halt(HALTED, SYMBOL, "XYZ", flatten_positions=True)

    assert len(result.flattened) == 2
    assert harness.position("acct-a", "XYZ") == 0
    assert harness.position("acct-b", "XYZ") == 0
    assert harness.position("acct-a", "ABC") == D(7)


async def test_halt_flatten_account_scope_closes_that_account_only(harness):
    await harness.build_position(10, account="acct-a")
    await harness.build_position(5, account="acct-a", symbol="ABC")
    await harness.build_position(-4, account="acct-b")

    result = await harness.halt(HALTED, ACCOUNT, "acct-a", flatten_positions=True)

    assert len(result.flattened) == 2
    assert harness.position("acct-a", "XYZ") == 0
    assert harness.position("acct-a", "ABC") == 0
    assert harness.position("acct-b", "XYZ") == D(-4)


async def test_halt_flatten_skips_flat_positions(harness):
    await harness.build_position(10)
    await harness.build_position(-10)

    result = await harness.halt(HALTED, ALL, flatten_positions=True)

    assert result.flattened == []


async def test_halt_flatten_with_liquidity_cap_expires_unfilled_remainder(make_harness):
    h = await make_harness(liquidity={"XYZ": "4"})
    await h.build_position(8)  # 4 fill on arrival ...
    h.price(100)  # ... and 4 on the next price update
    h.price(100)  # a fresh price level: 4 available again

    result = await h.halt(HALTED, ALL, flatten_positions=True)

    (order,) = result.flattened
    assert order.state is OrderState.EXPIRED
    assert order.filled_quantity == D(4)
    assert h.position() == D(4)


async def test_halt_flatten_at_same_clock_reading_as_earlier_flatten_closes_position(harness):
    await harness.build_position(10)
    first = await harness.halt(HALTED, ALL, flatten_positions=True)
    harness.resume(ALL)
    await harness.build_position(10)

    second = await harness.halt(HALTED, ALL, flatten_positions=True)

    assert second.flattened[0].order_id != first.flattened[0].order_id
    assert harness.position() == 0


async def test_halt_flatten_at_same_clock_reading_with_other_size_closes_position(harness):
    await harness.build_position(10)
    await harness.halt(HALTED, ALL, flatten_positions=True)
    harness.resume(ALL)
    await harness.build_position(3)

    await harness.halt(HALTED, ALL, flatten_positions=True)

    assert harness.position() == 0


async def test_halt_flatten_after_clock_advance_closes_position_again(harness):
    await harness.build_position(10)
    await harness.halt(HALTED, ALL, flatten_positions=True)
    harness.resume(ALL)
    await harness.build_position(10)
    harness.parts.clock.advance(1)

    await harness.halt(HALTED, ALL, flatten_positions=True)

    assert harness.position() == 0


# -- reduce_only ------------------------------------------------------------------


async def test_reduce_only_buy_on_long_position_denied_would_increase(harness):
    await harness.build_position(10)

    exc = await _denied(harness, "REDUCE_ONLY_WOULD_INCREASE", side=BUY, reduce_only=True)

    assert exc.metadata["position"] == "10"


async def test_reduce_only_sell_when_flat_denied_would_increase(harness):
    await _denied(harness, "REDUCE_ONLY_WOULD_INCREASE", side=SELL, reduce_only=True)


async def test_reduce_only_sell_crossing_flat_denied_would_increase(harness):
    await harness.build_position(10)

    await _denied(harness, "REDUCE_ONLY_WOULD_INCREASE", side=SELL, quantity=11, reduce_only=True)


async def test_reduce_only_sell_within_long_position_is_accepted(harness):
    await harness.build_position(10)

    order = await _accepted(harness, side=SELL, quantity=10, reduce_only=True)

    assert order.state is OrderState.FILLED
    assert harness.position() == 0


async def test_reduce_only_counts_open_orders_on_same_side(harness):
    await harness.build_position(10)
    await _accepted(harness, side=SELL, type=OrderType.LIMIT, quantity=8, limit_price=105)

    await _denied(harness, "REDUCE_ONLY_WOULD_INCREASE", side=SELL, quantity=3, reduce_only=True)


async def test_reduce_only_increase_during_reducing_halt_reports_reduce_only(harness):
    await harness.halt(REDUCING, ALL)

    await _denied(harness, "REDUCE_ONLY_WOULD_INCREASE", side=BUY, reduce_only=True)


# -- Halt validation ------------------------------------------------------------


async def _invalid_halt(harness, **kw) -> list[str]:
    head = harness.head
    with pytest.raises(InvalidArgument) as info:
        await harness.halt(**kw)
    assert harness.engine.trading.restrictions() == []
    assert harness.head == head
    return [field for field, _ in info.value.violations]


async def test_halt_all_with_target_raises_invalid_argument_on_target(harness):
    assert await _invalid_halt(harness, scope=ALL, target="acct-a") == ["target"]


async def test_halt_account_without_target_raises_invalid_argument_on_target(harness):
    assert await _invalid_halt(harness, scope=ACCOUNT, target="") == ["target"]


async def test_halt_unknown_account_raises_invalid_argument_on_target(harness):
    assert await _invalid_halt(harness, scope=ACCOUNT, target="nope") == ["target"]


async def test_halt_unknown_symbol_raises_invalid_argument_on_target(harness):
    assert await _invalid_halt(harness, scope=SYMBOL, target="NOPE") == ["target"]


async def test_halt_strategy_without_target_raises_invalid_argument_on_target(harness):
    assert await _invalid_halt(harness, scope=STRATEGY, target="") == ["target"]


async def test_halt_mode_active_raises_invalid_argument_on_mode(harness):
    assert await _invalid_halt(harness, mode=TradingMode.ACTIVE) == ["mode"]


async def test_halt_empty_reason_raises_invalid_argument_on_reason(harness):
    assert await _invalid_halt(harness, reason="") == ["reason"]


async def test_halt_blank_reason_raises_invalid_argument_on_reason(harness):
    assert await _invalid_halt(harness, reason="   ") == ["reason"]


async def test_halt_flatten_with_strategy_scope_raises_on_flatten_positions(harness):
    fields = await _invalid_halt(harness, scope=STRATEGY, target="momo", flatten_positions=True)

    assert fields == ["flatten_positions"]


async def test_halt_invalid_does_not_cancel_or_flatten(harness):
    await harness.build_position(10)
    order = await _accepted(harness, type=OrderType.LIMIT, limit_price=99)

    await _invalid_halt(harness, reason="", cancel_open_orders=True, flatten_positions=True)

    assert harness.order(order.order_id).state is OrderState.NEW
    assert harness.position() == D(10)


async def test_halt_several_bad_fields_reports_all_at_once(harness):
    fields = await _invalid_halt(harness, scope=ALL, target="x", mode=TradingMode.ACTIVE, reason="")

    assert sorted(fields) == ["mode", "reason", "target"]
