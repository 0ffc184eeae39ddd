"""Binance spot brackets whose exits ride on the entry as one OTOCO list (issue 13): which
entries fit, and that a take-profit the venue made with the entry keeps the stop at the
venue (paired with it) instead of in fillgate."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

from fillgate.contingent.spec import (
    LIST,
    NATIVE,
    ROLE,
    WITH_ENTRY_NATIVE,
    BracketSpec,
    Exit,
    ExitKind,
    TakeProfit,
)
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.engine.native_oco import stop_emulated
from fillgate.venues.ccxt.otoco import fits
from fillgate.venues.types import EntryProtection

SPOT = SimpleNamespace(native_oco=True, oco_stop_limit=True, sells_hold_balance=True)
SPEC = BracketSpec(
    Exit(ExitKind.PRICE, D("95")), (TakeProfit(Exit(ExitKind.PRICE, D("110")), fraction=D(1)),)
)
FIXED = EntryProtection(take_profit_price=D("110"), stop_price=D("95"))
GTC = TimeInForce.GTC


def _target(native: str) -> Order:
    tags = ((LIST, "e"), (ROLE, "tp.1"), *(((NATIVE, native),) if native else ()))
    return Order(
        order_id="e.tp.1.1",
        client_order_id="e.tp.1.1",
        account="a",
        symbol="XYZ",
        side=Side.SELL,
        type=OrderType.LIMIT,
        time_in_force=GTC,
        quantity=D(1),
        limit_price=D("110"),
        state=OrderState.NEW,
        tags=tags,
    )


def test_otoco_fits_limit_gtc_entry_with_fixed_stop():
    assert fits(OrderType.LIMIT, GTC, FIXED)


def test_otoco_fits_market_entry_does_not_fit():
    assert not fits(OrderType.MARKET, GTC, FIXED)


def test_otoco_fits_limit_ioc_entry_does_not_fit():
    assert not fits(OrderType.LIMIT, TimeInForce.IOC, FIXED)


def test_otoco_fits_stop_at_an_offset_from_the_fill_does_not_fit():
    offset = EntryProtection(take_profit_price=D("110"), stop_distance=D("5"))
    assert not fits(OrderType.LIMIT, GTC, offset)


def test_otoco_fits_fixed_stop_alone_fits_as_an_oto():
    assert fits(OrderType.LIMIT, GTC, EntryProtection(stop_price=D("95")))


def test_otoco_fits_offset_stop_alone_does_not_fit():
    assert not fits(OrderType.LIMIT, GTC, EntryProtection(stop_distance=D("5")))


def test_otoco_stop_emulated_stop_alone_rests_at_the_venue():
    assert not stop_emulated(SPOT, BracketSpec(Exit(ExitKind.PRICE, D("95"))))


def test_otoco_stop_emulated_take_profit_made_with_the_entry_keeps_stop_at_venue():
    assert not stop_emulated(SPOT, SPEC, [_target(WITH_ENTRY_NATIVE)])


def test_otoco_stop_emulated_take_profit_armed_alone_still_keeps_stop_in_fillgate():
    assert stop_emulated(SPOT, SPEC, [_target("")])
