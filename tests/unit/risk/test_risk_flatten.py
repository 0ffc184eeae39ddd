"""Flattening orders pass the halt but not the sanity checks; they are journaled like any order."""

from __future__ import annotations

from decimal import Decimal as D

from fillgate.domain.enums import HaltScope, TradingMode
from fillgate.engine.kill_switch import FLATTEN_STRATEGY

HALTED = TradingMode.HALTED


async def test_flatten_splits_position_into_orders_within_max_order_quantity(make_harness):
    h = await make_harness(risk={"max_order_quantity": "4"})
    for _ in range(3):
        await h.build_position(4)

    result = await h.halt(HALTED, flatten_positions=True)

    assert [o.quantity for o in result.flattened] == [4, 4, 4]
    assert all(o.strategy_id == FLATTEN_STRATEGY for o in result.flattened)
    assert h.position() == 0


async def test_flatten_splits_by_notional_rounded_down_to_lot_size(make_harness):
    h = await make_harness(
        risk={"max_order_notional": "130", "symbols": {"XYZ": {"lot_size": "0.5"}}}
    )
    for _ in range(3):
        await h.build_position(1)

    result = await h.halt(HALTED, flatten_positions=True)

    assert [o.quantity for o in result.flattened] == [1, 1, 1]
    assert h.position() == 0


async def test_flatten_splits_at_quantity_precision_without_lot_size(make_harness):
    h = await make_harness(risk={"max_order_notional": "1000"})
    for _ in range(3):
        await h.build_position(10)
    h.price(300)

    result = await h.halt(HALTED, flatten_positions=True)

    assert [o.quantity for o in result.flattened][:2] == [D("3.3333"), D("3.3333")]
    assert sum(o.quantity for o in result.flattened) == 30
    assert h.position() == 0


async def test_flatten_part_denied_by_sanity_check_is_journaled_and_halt_completes(
    make_harness, log_events
):
    h = await make_harness(risk={"max_order_quantity": "4", "min_order_quantity": "3"})
    await h.build_position(4)
    await h.build_position(4)
    await h.build_position("3.5")
    await h.build_position(-3)  # long 8.5: flattened as 4, 4 and 0.5, which is under the minimum
    denials = h.engine.state.denied

    result = await h.halt(HALTED, flatten_positions=True)

    assert [o.quantity for o in result.flattened] == [4, 4]
    assert h.position() == D("0.5")
    assert h.engine.state.denied == denials + 1
    assert h.engine.trading.get(HaltScope.ALL, "").mode is HALTED
    (denied,) = log_events("flatten_denied")
    assert (denied["symbol"], denied["quantity"]) == ("XYZ", "0.5")


async def test_flatten_passes_halt_and_exposure_limits(make_harness):
    h = await make_harness(risk={"max_position_quantity": "10", "max_open_positions": 1})
    await h.build_position(10)

    result = await h.halt(HALTED, HaltScope.ACCOUNT, "acct-a", flatten_positions=True)

    assert [o.quantity for o in result.flattened] == [10]
