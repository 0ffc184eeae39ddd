"""Submit validation: semantic checks in the engine, syntactic ones in ``api.commands``.

Every refusal is InvalidArgument naming the bad field in ``violations`` and
changes nothing: no order is stored and the bus head does not move.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fillgate.api import commands as convert
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.errors import InvalidArgument
from fillgate.v1 import execution_service_pb2 as svc_pb

MARKET, LIMIT, STOP, STOP_LIMIT = (
    OrderType.MARKET,
    OrderType.LIMIT,
    OrderType.STOP,
    OrderType.STOP_LIMIT,
)


async def _refused(harness, **overrides) -> list[str]:
    """Submit, expect InvalidArgument with nothing changed; return the violated fields."""
    head = harness.head
    with pytest.raises(InvalidArgument) as info:
        await harness.submit(**overrides)
    assert harness.order_count() == 0
    assert harness.head == head
    assert harness.paper.working_count == 0
    return [field for field, _ in info.value.violations]


# -- engine: semantic checks ----------------------------------------------------


async def test_submit_unknown_account_raises_invalid_argument_on_account(harness):
    assert await _refused(harness, account="nope") == ["account"]


async def test_submit_empty_account_raises_invalid_argument_on_account(harness):
    assert await _refused(harness, account="") == ["account"]


async def test_submit_unknown_symbol_raises_invalid_argument_on_symbol(harness):
    assert await _refused(harness, symbol="NOPE") == ["symbol"]


async def test_submit_overprecise_quantity_raises_invalid_argument_on_quantity(harness):
    # XYZ allows 4 quantity decimals.
    assert await _refused(harness, quantity="0.00001") == ["quantity"]


async def test_submit_quantity_at_precision_limit_is_accepted(harness):
    result = await harness.submit(quantity="0.0001")

    assert result.order.quantity == D("0.0001")


async def test_submit_trailing_zeros_beyond_precision_are_accepted(harness):
    result = await harness.submit(quantity="1.500000")

    assert result.order.quantity == D("1.5")


async def test_submit_fractional_quantity_on_whole_unit_symbol_raises_on_quantity(harness):
    assert await _refused(harness, symbol="ABC", quantity="1.5") == ["quantity"]


async def test_submit_overprecise_limit_price_raises_invalid_argument_on_limit_price(harness):
    assert await _refused(harness, type=LIMIT, limit_price="99.001") == ["limit_price"]


async def test_submit_overprecise_stop_price_raises_invalid_argument_on_stop_price(harness):
    assert await _refused(harness, type=STOP, stop_price="105.001") == ["stop_price"]


async def test_submit_market_with_limit_price_raises_invalid_argument_on_limit_price(harness):
    assert await _refused(harness, type=MARKET, limit_price="100") == ["limit_price"]


async def test_submit_market_with_stop_price_raises_invalid_argument_on_stop_price(harness):
    assert await _refused(harness, type=MARKET, stop_price="100") == ["stop_price"]


async def test_submit_limit_with_stop_price_raises_invalid_argument_on_stop_price(harness):
    assert await _refused(harness, type=LIMIT, limit_price="99", stop_price="98") == ["stop_price"]


async def test_submit_stop_with_limit_price_raises_invalid_argument_on_limit_price(harness):
    assert await _refused(harness, type=STOP, stop_price="105", limit_price="106") == [
        "limit_price"
    ]


async def test_submit_limit_without_limit_price_raises_invalid_argument_on_limit_price(harness):
    assert await _refused(harness, type=LIMIT) == ["limit_price"]


async def test_submit_stop_limit_without_limit_price_raises_on_limit_price(harness):
    assert await _refused(harness, type=STOP_LIMIT, stop_price="105") == ["limit_price"]


async def test_submit_stop_without_stop_price_raises_invalid_argument_on_stop_price(harness):
    assert await _refused(harness, type=STOP) == ["stop_price"]


async def test_submit_stop_limit_without_stop_price_raises_on_stop_price(harness):
    assert await _refused(harness, type=STOP_LIMIT, limit_price="106") == ["stop_price"]


async def test_submit_stop_limit_without_any_price_reports_both_fields(harness):
    assert sorted(await _refused(harness, type=STOP_LIMIT)) == ["limit_price", "stop_price"]


async def test_submit_empty_client_order_id_raises_on_client_order_id(harness):
    assert await _refused(harness, client_order_id="") == ["client_order_id"]


async def test_submit_client_order_id_over_64_chars_raises_on_client_order_id(harness):
    assert await _refused(harness, client_order_id="x" * 65) == ["client_order_id"]


async def test_submit_client_order_id_of_64_chars_is_accepted(harness):
    result = await harness.submit(client_order_id="x" * 64)

    assert result.order.client_order_id == "x" * 64


async def test_submit_client_order_id_with_space_raises_on_client_order_id(harness):
    assert await _refused(harness, client_order_id="my order") == ["client_order_id"]


async def test_submit_client_order_id_non_ascii_raises_on_client_order_id(harness):
    assert await _refused(harness, client_order_id="ordre-é") == ["client_order_id"]


async def test_submit_strategy_id_with_space_raises_on_strategy_id(harness):
    assert await _refused(harness, strategy_id="mean reversion") == ["strategy_id"]


async def test_submit_several_bad_fields_reports_all_at_once(harness):
    fields = await _refused(
        harness,
        account="nope",
        symbol="NOPE",
        client_order_id="",
        type=LIMIT,
    )

    assert sorted(fields) == ["account", "client_order_id", "limit_price", "symbol"]


async def test_submit_precision_and_shape_errors_reported_together(harness):
    fields = await _refused(
        harness, type=MARKET, quantity="0.00001", limit_price="1", client_order_id="a b"
    )

    assert sorted(fields) == ["client_order_id", "limit_price", "quantity"]


async def test_submit_refused_then_corrected_with_same_client_order_id_is_accepted(harness):
    await _refused(harness, client_order_id="c-fix", type=LIMIT)

    result = await harness.submit(client_order_id="c-fix", type=LIMIT, limit_price="99")

    assert not result.duplicate
    assert harness.order_count() == 1


# -- api.convert: syntactic checks ----------------------------------------------


def _request(**overrides) -> svc_pb.SubmitOrderRequest:
    fields = {
        "account": "acct-a",
        "symbol": "XYZ",
        "side": int(Side.BUY),
        "quantity": "1",
        "type": int(OrderType.MARKET),
        "time_in_force": int(TimeInForce.GTC),
        "client_order_id": "c-1",
    }
    fields.update(overrides)
    return svc_pb.SubmitOrderRequest(**fields)


def _convert_refused(**overrides) -> list[str]:
    with pytest.raises(InvalidArgument) as info:
        convert.submit_order(_request(**overrides))
    return [field for field, _ in info.value.violations]


def test_convert_valid_request_returns_submit_order():
    cmd = convert.submit_order(
        _request(type=int(OrderType.LIMIT), limit_price="99.5", tags={"b": "2", "a": "1"})
    )

    assert cmd.side is Side.BUY
    assert cmd.type is OrderType.LIMIT
    assert cmd.time_in_force is TimeInForce.GTC
    assert cmd.quantity == D(1)
    assert cmd.limit_price == D("99.5")
    assert cmd.stop_price is None
    assert cmd.tags == (("a", "1"), ("b", "2"))


def test_convert_unspecified_side_raises_invalid_argument_on_side():
    assert _convert_refused(side=0) == ["side"]


def test_convert_unspecified_type_raises_invalid_argument_on_type():
    assert _convert_refused(type=0) == ["type"]


def test_convert_unspecified_time_in_force_raises_on_time_in_force():
    assert _convert_refused(time_in_force=0) == ["time_in_force"]


def test_convert_unknown_side_number_raises_invalid_argument_on_side():
    assert _convert_refused(side=99) == ["side"]


@pytest.mark.parametrize("text", ["abc", "1e5", "NaN", "Infinity", "1.2.3", "", " 1", "0x10"])
def test_convert_non_numeric_quantity_raises_invalid_argument_on_quantity(text):
    assert _convert_refused(quantity=text) == ["quantity"]


def test_convert_zero_quantity_raises_invalid_argument_on_quantity():
    assert _convert_refused(quantity="0") == ["quantity"]


def test_convert_zero_with_decimals_quantity_raises_invalid_argument_on_quantity():
    assert _convert_refused(quantity="0.000") == ["quantity"]


def test_convert_negative_quantity_raises_invalid_argument_on_quantity():
    assert _convert_refused(quantity="-1") == ["quantity"]


def test_convert_non_numeric_limit_price_raises_invalid_argument_on_limit_price():
    assert _convert_refused(type=int(OrderType.LIMIT), limit_price="1e2") == ["limit_price"]


def test_convert_negative_stop_price_raises_invalid_argument_on_stop_price():
    assert _convert_refused(type=int(OrderType.STOP), stop_price="-5") == ["stop_price"]


def test_convert_several_bad_fields_reports_all_at_once():
    fields = _convert_refused(side=0, type=0, time_in_force=0, quantity="NaN")

    assert fields == ["side", "type", "time_in_force", "quantity"]
