"""Session journal records: extended_hours in the one trailing object; old records still read."""

from __future__ import annotations

from decimal import Decimal as D

import orjson

from fillgate.domain import events as ev
from fillgate.domain.commands import SubmitOrder
from fillgate.domain.enums import OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.journal.codec import decode, encode

ORDER = Order(
    order_id="O-1",
    client_order_id="c-1",
    account="a",
    symbol="AAPL",
    side=Side.BUY,
    type=OrderType.LIMIT,
    time_in_force=TimeInForce.DAY,
    quantity=D(5),
    limit_price=D("190.5"),
    venue="alpaca",
    created_ns=7,
    updated_ns=7,
)


def test_accepted_extended_hours_round_trips_in_trailing_object() -> None:
    event = ev.OrderAccepted(order_id="O-1", ts_ns=7, order=ORDER.evolve({"extended_hours": True}))

    data = encode(event, 1)

    assert orjson.loads(data)[-1] == {"ss.extended_hours": True}
    assert decode(data).event == event


def test_accepted_without_extended_hours_writes_no_trailing_object() -> None:
    event = ev.OrderAccepted(order_id="O-1", ts_ns=7, order=ORDER)

    data = encode(event, 1)

    assert len(orjson.loads(data)) == 5 + 15  # head + the order's fields, as before sessions
    assert decode(data).event == event


def test_denied_extended_hours_command_round_trips() -> None:
    command = SubmitOrder(
        account="a",
        symbol="AAPL",
        side=Side.BUY,
        quantity=D(5),
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.DAY,
        client_order_id="c-2",
        limit_price=D(190),
        extended_hours=True,
    )
    event = ev.OrderDenied(
        command=command, reason="MARKET_CLOSED", message="closed", metadata=(), ts_ns=9
    )

    assert decode(encode(event, 2)).event == event
