"""Which SubmitOrderList OCOs a venue with ``list_oco`` holds as ONE OCO order (issue 13)."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from fillgate.contingent.order_list import Leg
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.engine.native_oco import list_oco_fits

BINANCE = SimpleNamespace(list_oco=True, oco_stop_limit=True)
GTC = TimeInForce.GTC


def _first(side: Side = Side.SELL, limit: str = "110", tif: TimeInForce = GTC) -> SubmitOrder:
    return SubmitOrder(
        account="a",
        symbol="XYZ",
        side=side,
        quantity=D(1),
        type=OrderType.LIMIT,
        time_in_force=tif,
        client_order_id="c",
        limit_price=D(limit),
    )


def _stop(side: Side = Side.SELL, stop: str = "90", quantity: str = "1") -> Leg:
    return Leg(side, OrderType.STOP, D(quantity), GTC, stop_price=D(stop))


def test_list_oco_fits_sell_limit_above_a_sell_stop_is_native():
    assert list_oco_fits(BINANCE, "oco", _first(), [_stop()], D(0))


def test_list_oco_fits_buy_limit_below_a_buy_stop_is_native():
    assert list_oco_fits(BINANCE, "oco", _first(Side.BUY, "90"), [_stop(Side.BUY, "110")], D(0))


@pytest.mark.parametrize(
    ("first", "legs"),
    [
        (_first(limit="80"), [_stop()]),  # a sell limit below its stop
        (_first(), [_stop(quantity="2")]),  # another quantity
        (_first(), [_stop(Side.BUY)]),  # another side
        (_first(tif=TimeInForce.DAY), [_stop()]),  # not GTC
        (_first(), [_stop(), _stop()]),  # three legs
        (_first(), [Leg(Side.SELL, OrderType.LIMIT, D(1), GTC, limit_price=D(120))]),  # no stop
    ],
)
def test_list_oco_fits_other_shapes_stay_emulated(first, legs):
    assert not list_oco_fits(BINANCE, "oco", first, legs, D(0))


def test_list_oco_fits_ouo_or_a_venue_without_list_oco_stays_emulated():
    assert not list_oco_fits(BINANCE, "ouo", _first(), [_stop()], D(0))
    assert not list_oco_fits(SimpleNamespace(), "oco", _first(), [_stop()], D(0))


ALPACA = SimpleNamespace(list_oco=True, list_oco_exits_only=True)


def test_list_oco_fits_exits_only_venue_closing_a_long_is_native():
    assert list_oco_fits(ALPACA, "oco", _first(), [_stop()], D(1))


@pytest.mark.parametrize("position", ["0", "0.5", "-1"])
def test_list_oco_fits_exits_only_venue_not_closing_a_position_held_stays_emulated(position):
    assert not list_oco_fits(ALPACA, "oco", _first(), [_stop()], D(position))


def test_list_oco_fits_exits_only_venue_buy_closing_a_short_is_native():
    first = _first(Side.BUY, "90")
    assert list_oco_fits(ALPACA, "oco", first, [_stop(Side.BUY, "110")], D(-2))
