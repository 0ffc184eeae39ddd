"""The principal behind a command ("auth.by") survives the journal; old records still decode."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from fillgate.domain import events as ev
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.journal.codec import decode, encode

ORDER = Order(
    order_id="O-1",
    client_order_id="c-1",
    account="main",
    symbol="BTC-USD",
    side=Side.BUY,
    type=OrderType.MARKET,
    time_in_force=TimeInForce.GTC,
    quantity=Decimal("1"),
    venue="paper",
    state=OrderState.PENDING_NEW,
    created_ns=5,
    updated_ns=5,
)
COMMAND = SubmitOrder(
    account="main",
    symbol="BTC-USD",
    side=Side.BUY,
    quantity=Decimal("1"),
    type=OrderType.MARKET,
    time_in_force=TimeInForce.GTC,
    client_order_id="c-1",
    by="alice",
)
EVENTS = [
    ev.OrderAccepted(order_id="O-1", ts_ns=5, order=ORDER, by="alice"),
    ev.OrderCancelRequested(order_id="O-1", ts_ns=6, by="alice"),
    ev.OrderReplaceRequested(
        order_id="O-1", ts_ns=7, quantity=Decimal("2"), limit_price=None, stop_price=None, by="bob"
    ),
    ev.ReferencePriceMoved(symbol="BTC-USD", price=Decimal("1.5"), ts_ns=8, by="ops"),
    ev.OrderDenied(command=COMMAND, reason="HALTED", message="m", metadata=(), ts_ns=9),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_encode_decode_command_event_keeps_by(event: object) -> None:
    row = orjson.loads(encode(event, 1))
    assert row[-1] == {"auth.by": getattr(event, "by", "alice")}
    assert decode(encode(event, 1)).event == event


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_encode_without_principal_writes_no_trailing_object(event: object) -> None:
    from dataclasses import replace

    if isinstance(event, ev.OrderDenied):
        event = replace(event, command=replace(event.command, by=""))
    else:
        event = replace(event, by="")  # type: ignore[type-var]
    row = orjson.loads(encode(event, 1))
    assert not isinstance(row[-1], dict)
    assert decode(encode(event, 1)).event == event
