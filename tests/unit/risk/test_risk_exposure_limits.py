"""Exposure limits at their boundaries: position, open positions, gross, leverage, buying power.

Exposure counts working orders as if they filled; only orders that raise an
account's worst-case position in a symbol meet these limits, so reducing
orders always pass them. Unit config: 1,000,000 cash per account, XYZ at 100.
"""

from __future__ import annotations

import pytest
from risk_helpers import BOUNDARY, accepted, denied, judged

from fillgate.domain.enums import OrderState, OrderType, Side
from fillgate.domain.errors import FailedPrecondition

LIMIT = OrderType.LIMIT
BUY, SELL = Side.BUY, Side.SELL


# -- position quantity ------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "deny"), [("5.9999", False), ("6", False), ("6.0001", True)], ids=BOUNDARY
)
async def test_max_position_quantity_boundary_counts_existing_position(
    make_harness, quantity, deny
):
    h = await make_harness(risk={"max_position_quantity": "10"})
    await h.build_position(4)

    await judged(h, deny, "POSITION_EXCEEDS_MAX_QUANTITY", quantity=quantity)


async def test_max_position_quantity_counts_working_orders_as_filled(make_harness):
    h = await make_harness(risk={"max_position_quantity": "10"})
    await accepted(h, type=LIMIT, limit_price="90", quantity=7)

    await denied(h, "POSITION_EXCEEDS_MAX_QUANTITY", limit="10", value="10.5", quantity="3.5")


@pytest.mark.parametrize(
    ("quantity", "deny"), [("19.9999", False), ("20", False), ("20.0001", True)], ids=BOUNDARY
)
async def test_max_position_quantity_sell_through_flat_boundary(make_harness, quantity, deny):
    h = await make_harness(risk={"max_position_quantity": "10"})
    await h.build_position(10)

    await judged(h, deny, "POSITION_EXCEEDS_MAX_QUANTITY", side=SELL, quantity=quantity)


async def test_max_position_quantity_per_symbol_override(make_harness):
    h = await make_harness(
        risk={"max_position_quantity": "10", "symbols": {"ABC": {"max_position_quantity": "100"}}}
    )

    await accepted(h, symbol="ABC", quantity=100)
    await denied(h, "POSITION_EXCEEDS_MAX_QUANTITY", symbol="XYZ", quantity=11)


@pytest.mark.parametrize(
    ("quantity", "deny"),
    [("999.9999", False), ("1000", False), ("1000.0001", True)],
    ids=BOUNDARY,
)
async def test_max_position_pct_equity_boundary(make_harness, quantity, deny):
    h = await make_harness(risk={"max_position_pct_equity": "10"})  # 100,000 = 1000 XYZ

    await judged(h, deny, "POSITION_EXCEEDS_MAX_PCT_EQUITY", quantity=quantity)


async def test_max_position_pct_equity_values_position_at_the_mark(make_harness):
    h = await make_harness(risk={"max_position_pct_equity": "10"})
    await h.build_position(500)
    h.price(200)  # equity 1,050,000: its 10 % is 105,000 = 525 XYZ at the new mark

    await accepted(h, quantity=25)
    exc = await denied(h, "POSITION_EXCEEDS_MAX_PCT_EQUITY", quantity="0.0001")

    assert exc.metadata["value"] == "10"


# -- open positions -----------------------------------------------------------------


async def test_max_open_positions_just_under_allows_first_symbol(make_harness):
    h = await make_harness(risk={"max_open_positions": 1})

    await accepted(h, symbol="XYZ")


async def test_max_open_positions_at_limit_allows_more_in_held_symbol(make_harness):
    h = await make_harness(risk={"max_open_positions": 1})
    await h.build_position(1)

    await accepted(h, symbol="XYZ")


async def test_max_open_positions_just_over_denies_new_symbol(make_harness):
    h = await make_harness(risk={"max_open_positions": 1})
    await h.build_position(1)

    await denied(h, "OPEN_POSITIONS_EXCEED_MAX", limit="1", value="2", symbol="ABC")


async def test_max_open_positions_counts_symbols_with_working_orders(make_harness):
    h = await make_harness(risk={"max_open_positions": 1})
    await accepted(h, type=LIMIT, limit_price="90")

    await denied(h, "OPEN_POSITIONS_EXCEED_MAX", symbol="ABC")


async def test_max_open_positions_frees_a_slot_when_position_closes(make_harness):
    h = await make_harness(risk={"max_open_positions": 1})
    await h.build_position(1)
    await h.build_position(-1)

    await accepted(h, symbol="ABC")


# -- gross exposure, leverage, total -----------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "deny"), [("3999", False), ("4000", False), ("4001", True)], ids=BOUNDARY
)
async def test_max_gross_exposure_pct_equity_boundary_sums_symbols(make_harness, quantity, deny):
    h = await make_harness(risk={"max_gross_exposure_pct_equity": "50"})  # 500,000
    await h.build_position(3000)  # 300,000 in XYZ

    await judged(h, deny, "GROSS_EXPOSURE_EXCEEDS_MAX_PCT_EQUITY", symbol="ABC", quantity=quantity)


async def test_max_gross_exposure_counts_shorts_and_working_orders(make_harness):
    h = await make_harness(risk={"max_gross_exposure_pct_equity": "50"})
    await h.build_position(-3000)
    await accepted(h, symbol="ABC", side=SELL, type=LIMIT, limit_price="55", quantity=3000)

    exc = await denied(
        h, "GROSS_EXPOSURE_EXCEEDS_MAX_PCT_EQUITY", symbol="ABC", side=SELL, quantity=1001
    )

    assert exc.metadata["value"] == "50.005"


@pytest.mark.parametrize(
    ("quantity", "deny"),
    [("19999.9999", False), ("20000", False), ("20000.0001", True)],
    ids=BOUNDARY,
)
async def test_max_leverage_boundary(make_harness, quantity, deny):
    h = await make_harness(risk={"max_leverage": "2", "margin_rate": "0.25"})

    await judged(h, deny, "LEVERAGE_EXCEEDS_MAX", quantity=quantity)


@pytest.mark.parametrize(
    ("quantity", "deny"), [("1999", False), ("2000", False), ("2001", True)], ids=BOUNDARY
)
async def test_max_total_gross_exposure_boundary_sums_accounts(make_harness, quantity, deny):
    h = await make_harness(risk={"max_total_gross_exposure": "300000"})
    await h.build_position(1000, account="acct-a")  # 100,000

    await judged(h, deny, "TOTAL_GROSS_EXPOSURE_EXCEEDS_MAX", account="acct-b", quantity=quantity)


# -- buying power -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "deny"),
    [("9999.9999", False), ("10000", False), ("10000.0001", True)],
    ids=BOUNDARY,
)
async def test_buying_power_default_cash_account_boundary(make_harness, quantity, deny):
    h = await make_harness()

    await judged(h, deny, "INSUFFICIENT_BUYING_POWER", quantity=quantity)


async def test_buying_power_denial_reports_available_and_needed(make_harness):
    h = await make_harness()
    await h.build_position(4000)

    exc = await denied(h, "INSUFFICIENT_BUYING_POWER", quantity=6001)

    assert (exc.metadata["limit"], exc.metadata["value"]) == ("600000", "600100")


async def test_buying_power_short_sale_needs_margin_too(make_harness):
    h = await make_harness()

    await denied(h, "INSUFFICIENT_BUYING_POWER", side=SELL, quantity="10000.0001")


async def test_buying_power_working_orders_hold_margin(make_harness):
    h = await make_harness()
    await accepted(h, type=LIMIT, limit_price="90", quantity=6000)

    await denied(h, "INSUFFICIENT_BUYING_POWER", symbol="ABC", quantity=8001)


async def test_buying_power_symbol_margin_rate_allows_leverage(make_harness):
    h = await make_harness(risk={"symbols": {"XYZ": {"margin_rate": "0.1"}}})

    await accepted(h, quantity=100000)
    await denied(h, "INSUFFICIENT_BUYING_POWER", quantity=1)


async def test_buying_power_margin_rate_zero_turns_the_check_off(make_harness):
    h = await make_harness(risk={"accounts": {"acct-b": {"margin_rate": "0"}}})

    await denied(h, "INSUFFICIENT_BUYING_POWER", account="acct-a", quantity=20000)
    await accepted(h, account="acct-b", quantity=20000)


async def test_buying_power_released_when_working_order_canceled(make_harness):
    h = await make_harness()
    order = await accepted(h, type=LIMIT, limit_price="90", quantity=10000)
    await denied(h, "INSUFFICIENT_BUYING_POWER", symbol="ABC", quantity=1)

    await h.cancel(order.order_id)

    await accepted(h, symbol="ABC", quantity=1)


# -- reducing orders ----------------------------------------------------------------


async def test_reducing_order_passes_every_exposure_limit(make_harness):
    h = await make_harness(risk={"max_position_quantity": "10", "max_open_positions": 1})
    await h.build_position(10)

    order = await accepted(h, side=SELL, quantity=10)

    assert order.state is OrderState.FILLED


@pytest.mark.parametrize(
    ("quantity", "deny"), [("9.9999", False), ("10", False), ("10.0001", True)], ids=BOUNDARY
)
async def test_reduce_only_sell_boundary_never_increases_position(make_harness, quantity, deny):
    h = await make_harness()
    await h.build_position(10)

    await judged(
        h, deny, "REDUCE_ONLY_WOULD_INCREASE", side=SELL, quantity=quantity, reduce_only=True
    )


# -- one pending entry per side -------------------------------------------------------


async def test_pending_entry_none_working_allows_entry(make_harness):
    h = await make_harness(risk={"one_pending_entry_per_side": True})

    await accepted(h, type=LIMIT, limit_price="90")


async def test_pending_entry_one_working_denies_second_same_side(make_harness):
    h = await make_harness(risk={"one_pending_entry_per_side": True})
    await accepted(h, type=LIMIT, limit_price="90")

    exc = await denied(h, "PENDING_ENTRY_EXISTS", type=LIMIT, limit_price="91")

    assert (exc.metadata["side"], exc.metadata["value"]) == ("BUY", "1")


async def test_pending_entry_other_side_or_symbol_is_allowed(make_harness):
    h = await make_harness(risk={"one_pending_entry_per_side": True})
    await accepted(h, type=LIMIT, limit_price="90")

    await accepted(h, side=SELL, type=LIMIT, limit_price="110")
    await accepted(h, symbol="ABC", type=LIMIT, limit_price="45")


async def test_pending_entry_exit_order_is_not_an_entry(make_harness):
    h = await make_harness(risk={"one_pending_entry_per_side": True})
    await h.build_position(10)
    await accepted(h, side=SELL, type=LIMIT, limit_price="110", quantity=4)

    await accepted(h, side=SELL, type=LIMIT, limit_price="111", quantity=4)


async def test_pending_entry_freed_when_entry_fills_or_cancels(make_harness):
    h = await make_harness(risk={"one_pending_entry_per_side": True})
    first = await accepted(h, type=LIMIT, limit_price="90")
    await h.cancel(first.order_id)
    second = await accepted(h, type=LIMIT, limit_price="95")
    h.price(95)  # fills it

    assert h.order(second.order_id).state is OrderState.FILLED
    await accepted(h, type=LIMIT, limit_price="90")


async def test_pending_entry_replace_of_the_entry_itself_is_allowed(make_harness):
    h = await make_harness(risk={"one_pending_entry_per_side": True})
    order = await accepted(h, type=LIMIT, limit_price="90")

    replaced = await h.replace(order.order_id, limit_price="91", quantity=2)

    assert (replaced.limit_price, replaced.quantity) == (91, 2)


# -- replace ----------------------------------------------------------------------


async def test_replace_swaps_working_quantity_instead_of_adding_it(make_harness):
    h = await make_harness(risk={"max_position_quantity": "10"})
    order = await accepted(h, type=LIMIT, limit_price="90", quantity=10)

    await h.replace(order.order_id, limit_price="91")

    with pytest.raises(FailedPrecondition) as info:
        await h.replace(order.order_id, quantity="10.0001")
    assert info.value.reason == "POSITION_EXCEEDS_MAX_QUANTITY"
