"""Per-order sanity limits at their boundaries: quantity, notional, lot, tick, price collar.

Each rule is tried just under, at and just over its limit. Overrides: a
strategy beats a symbol, which beats the account, which beats the defaults.
"""

from __future__ import annotations

import pytest
from risk_helpers import BOUNDARY, accepted, denied, judged

from fillgate.domain.enums import OrderType, Side
from fillgate.domain.errors import FailedPrecondition

LIMIT, STOP = OrderType.LIMIT, OrderType.STOP
BUY, SELL = Side.BUY, Side.SELL


@pytest.mark.parametrize(
    ("quantity", "deny"), [("9.9999", False), ("10", False), ("10.0001", True)], ids=BOUNDARY
)
async def test_max_order_quantity_boundary_denies_only_over(make_harness, quantity, deny):
    h = await make_harness(risk={"max_order_quantity": "10"})

    await judged(h, deny, "QUANTITY_EXCEEDS_MAX_PER_ORDER", quantity=quantity)


async def test_max_order_quantity_denial_names_limit_and_value(make_harness):
    h = await make_harness(risk={"max_order_quantity": "10"})

    exc = await denied(
        h, "QUANTITY_EXCEEDS_MAX_PER_ORDER", limit="10", value="10.5", quantity="10.5"
    )

    assert (exc.metadata["account"], exc.metadata["symbol"]) == ("acct-a", "XYZ")


@pytest.mark.parametrize(
    ("quantity", "deny"), [("0.9999", True), ("1", False), ("1.0001", False)], ids=BOUNDARY
)
async def test_min_order_quantity_boundary_denies_only_under(make_harness, quantity, deny):
    h = await make_harness(risk={"min_order_quantity": "1"})

    await judged(h, deny, "QUANTITY_BELOW_MIN_PER_ORDER", quantity=quantity)


@pytest.mark.parametrize(
    ("quantity", "deny"), [("9.9999", False), ("10", False), ("10.0001", True)], ids=BOUNDARY
)
async def test_max_order_notional_market_order_boundary_at_reference_price(
    make_harness, quantity, deny
):
    h = await make_harness(risk={"max_order_notional": "1000"})

    await judged(h, deny, "NOTIONAL_EXCEEDS_MAX_PER_ORDER", quantity=quantity)


@pytest.mark.parametrize(
    ("price", "deny"), [("99.99", False), ("100", False), ("100.01", True)], ids=BOUNDARY
)
async def test_max_order_notional_limit_order_uses_limit_price(make_harness, price, deny):
    h = await make_harness(risk={"max_order_notional": "1000"})

    await judged(
        h,
        deny,
        "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
        side=SELL,
        quantity=10,
        type=LIMIT,
        limit_price=price,
    )


async def test_max_order_notional_stop_order_uses_stop_price(make_harness):
    h = await make_harness(risk={"max_order_notional": "1000"})

    exc = await denied(
        h, "NOTIONAL_EXCEEDS_MAX_PER_ORDER", quantity=10, type=STOP, stop_price="100.5"
    )

    assert (exc.metadata["value"], exc.metadata["price"]) == ("1005", "100.5")


@pytest.mark.parametrize(
    ("quantity", "deny"), [("1.4999", True), ("1.5", False), ("1.5001", True)], ids=BOUNDARY
)
async def test_lot_size_boundary_accepts_only_whole_lots(make_harness, quantity, deny):
    h = await make_harness(risk={"symbols": {"XYZ": {"lot_size": "0.5"}}})

    await judged(h, deny, "QUANTITY_NOT_MULTIPLE_OF_LOT_SIZE", quantity=quantity)


@pytest.mark.parametrize(
    ("price", "deny"), [("99.99", True), ("100", False), ("100.01", True)], ids=BOUNDARY
)
async def test_tick_size_boundary_accepts_only_whole_ticks(make_harness, price, deny):
    h = await make_harness(risk={"symbols": {"XYZ": {"tick_size": "0.05"}}})

    await judged(
        h, deny, "PRICE_NOT_MULTIPLE_OF_TICK_SIZE", side=SELL, type=LIMIT, limit_price=price
    )


async def test_tick_size_applies_to_stop_price(make_harness):
    h = await make_harness(risk={"symbols": {"XYZ": {"tick_size": "0.05"}}})

    exc = await denied(h, "PRICE_NOT_MULTIPLE_OF_TICK_SIZE", type=STOP, stop_price="101.01")

    assert exc.metadata["field"] == "stop_price"


async def test_tick_size_other_symbol_is_unchecked(make_harness):
    h = await make_harness(risk={"symbols": {"XYZ": {"tick_size": "0.05"}}})

    await accepted(h, symbol="ABC", side=SELL, type=LIMIT, limit_price="50.01")


@pytest.mark.parametrize(
    ("price", "deny"), [("95.01", False), ("95", False), ("94.99", True)], ids=BOUNDARY
)
async def test_price_collar_buy_limit_below_reference_boundary(make_harness, price, deny):
    h = await make_harness(risk={"price_collar_pct": "5"})

    await judged(h, deny, "PRICE_OUTSIDE_COLLAR", type=LIMIT, limit_price=price)


@pytest.mark.parametrize(
    ("price", "deny"), [("104.99", False), ("105", False), ("105.01", True)], ids=BOUNDARY
)
async def test_price_collar_sell_limit_above_reference_boundary(make_harness, price, deny):
    h = await make_harness(risk={"price_collar_pct": "5"})

    await judged(h, deny, "PRICE_OUTSIDE_COLLAR", side=SELL, type=LIMIT, limit_price=price)


async def test_price_collar_stop_price_denial_reports_distance_and_reference(make_harness):
    h = await make_harness(risk={"price_collar_pct": "5"})

    exc = await denied(
        h, "PRICE_OUTSIDE_COLLAR", limit="5", value="10", type=STOP, stop_price="110"
    )

    assert (exc.metadata["field"], exc.metadata["reference_price"]) == ("stop_price", "100")


async def test_price_collar_follows_the_reference_price(make_harness):
    h = await make_harness(risk={"price_collar_pct": "5"})
    h.price(200)

    await accepted(h, type=LIMIT, limit_price="195")
    await denied(h, "PRICE_OUTSIDE_COLLAR", type=LIMIT, limit_price="105")


async def test_market_order_has_no_price_to_collar(make_harness):
    h = await make_harness(risk={"price_collar_pct": "0"})

    await accepted(h)


# -- overrides ------------------------------------------------------------------


async def test_account_section_overrides_defaults_for_that_account_only(make_harness):
    h = await make_harness(
        risk={"max_order_quantity": "10", "accounts": {"acct-b": {"max_order_quantity": "2"}}}
    )

    await accepted(h, account="acct-a", quantity=5)
    await denied(h, "QUANTITY_EXCEEDS_MAX_PER_ORDER", limit="2", account="acct-b", quantity=5)


async def test_symbol_override_beats_account_limit(make_harness):
    h = await make_harness(
        risk={"max_order_quantity": "10", "symbols": {"ABC": {"max_order_quantity": "100"}}}
    )

    await accepted(h, symbol="ABC", quantity=50)
    await denied(h, "QUANTITY_EXCEEDS_MAX_PER_ORDER", limit="10", symbol="XYZ", quantity=50)


async def test_strategy_override_beats_symbol_override(make_harness):
    h = await make_harness(
        risk={
            "symbols": {"XYZ": {"max_order_notional": "10000"}},
            "strategies": {"scalp": {"max_order_notional": "500"}},
        }
    )

    await accepted(h, quantity=50)
    await denied(h, "NOTIONAL_EXCEEDS_MAX_PER_ORDER", limit="500", quantity=50, strategy_id="scalp")


async def test_unconfigured_strategy_uses_account_limits(make_harness):
    h = await make_harness(
        risk={"max_order_quantity": "10", "strategies": {"scalp": {"max_order_quantity": "1"}}}
    )

    await accepted(h, quantity=10, strategy_id="other")


async def test_risk_disabled_checks_nothing(make_harness):
    h = await make_harness(risk={"enabled": False, "max_order_quantity": "1"})

    await accepted(h, quantity=5)
    assert h.engine.risk is None


# -- replace ----------------------------------------------------------------------


async def test_replace_over_max_order_quantity_is_denied_and_order_unchanged(make_harness):
    h = await make_harness(risk={"max_order_quantity": "10"})
    order = await accepted(h, type=LIMIT, limit_price="99", quantity=10)

    with pytest.raises(FailedPrecondition) as info:
        await h.replace(order.order_id, quantity="10.0001")

    assert info.value.reason == "QUANTITY_EXCEEDS_MAX_PER_ORDER"
    assert h.order(order.order_id).quantity == 10


async def test_replace_price_outside_collar_is_denied(make_harness):
    h = await make_harness(risk={"price_collar_pct": "5"})
    order = await accepted(h, type=LIMIT, limit_price="99")

    with pytest.raises(FailedPrecondition) as info:
        await h.replace(order.order_id, limit_price="90")

    assert info.value.reason == "PRICE_OUTSIDE_COLLAR"


async def test_replace_checks_total_quantity_including_the_filled_part(make_harness):
    h = await make_harness(risk={"max_order_quantity": "10"}, liquidity={"XYZ": "4"})
    order = await accepted(h, type=LIMIT, limit_price="100", quantity=8)  # 4 fill at once
    assert h.order(order.order_id).filled_quantity == 4

    with pytest.raises(FailedPrecondition) as info:
        await h.replace(order.order_id, quantity=11)

    assert info.value.metadata["value"] == "11"
    await h.replace(order.order_id, quantity=10)
