"""OrderStopTrailed: where the venue has moved a stop it trails itself (``ct.trail``).

Journaled and replayed (``ct.stop_trailed``), folded quietly: the open order shows the new
stop price, keeps its state and version, and nothing is streamed."""

from __future__ import annotations

from decimal import Decimal

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.orders import Order
from fillgate.engine.fold import State, fold
from fillgate.journal.codec import decode, encode

STOP = Order(
    order_id="O-2",
    client_order_id="E.sl.1",
    account="main",
    symbol="EUR-USD",
    side=Side.SELL,
    type=OrderType.STOP,
    time_in_force=TimeInForce.GTC,
    quantity=Decimal(1000),
    stop_price=Decimal("1.07962"),
    tags=(("ct.list", "E"), ("ct.role", "sl"), ("ct.trail", "trail:0.005")),
    venue="oanda",
    state=OrderState.PENDING_NEW,
    created_ns=5,
    updated_ns=5,
)
MOVED = ev.OrderStopTrailed(order_id="O-2", ts_ns=9, stop_price=Decimal("1.09500"))


def _state(*events: object) -> State:
    state = State(symbols={}, starting_cash={"main": Decimal(100000)})
    fold(state, ev.OrderAccepted(order_id="O-2", ts_ns=5, order=STOP))
    fold(state, ev.OrderAcknowledged(order_id="O-2", ts_ns=6, venue_order_id="7"))
    for event in events:
        fold(state, event)
    return state


def test_stop_trailed_round_trips_through_the_journal_codec() -> None:
    assert decode(encode(MOVED, 3)).event == MOVED


def test_stop_trailed_fold_open_order_shows_new_stop_keeps_state_and_version() -> None:
    order = _state(MOVED).orders.orders["O-2"]
    assert (order.stop_price, order.state, order.version) == (
        Decimal("1.09500"),
        OrderState.NEW,
        0,
    )


def test_stop_trailed_fold_is_not_streamed() -> None:
    state = _state()
    assert fold(state, MOVED).payload is None


def test_stop_trailed_fold_closed_order_keeps_its_last_stop() -> None:
    canceled = ev.OrderCanceled(order_id="O-2", ts_ns=7, reason="LINKED_TRADE_CLOSED")
    assert _state(canceled, MOVED).orders.orders["O-2"].stop_price == Decimal("1.07962")
