"""Venue reports become events exactly once: de-duplication and overfill refusal."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from fillgate.domain import events as ev
from fillgate.domain.enums import OrderState, OrderType, Side, TimeInForce
from fillgate.domain.lifecycle import apply
from fillgate.domain.orders import Order
from fillgate.domain.values import ManualClock
from fillgate.engine.venue_memo import VenueMemo
from fillgate.venues.runtime.legs import LegBook
from fillgate.venues.types import VenueFill, VenueOrder, VenueReport, VenueStatus


class Orders:
    """The engine's side in miniature: apply events, remember trade ids."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.memo = VenueMemo()
        self.fills: list[ev.OrderFilled] = []

    def emit(self, event: ev.OrderEvent) -> None:
        previous = self.orders.get(event.order_id)
        order, _ = apply(previous, event)
        if not order.is_open:
            self.memo.forget(order.order_id)
        elif previous is not None:
            self.memo.note(previous, order, event)
        self.orders[order.order_id] = order
        if isinstance(event, ev.OrderFilled):
            self.fills.append(event)

    def order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def open_orders_of(self, account: str) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open]

    def exec_ids(self, order_id: str) -> frozenset[str] | set[str]:
        return self.memo.exec_ids(order_id)

    def leg_base(self, order_id: str) -> tuple[D, D]:
        return self.memo.leg_base(order_id)


@pytest.fixture
def world() -> tuple[Orders, LegBook, Order]:
    orders = Orders()
    legs = LegBook(account="a", view=orders, emit=orders.emit, clock=ManualClock())
    order = Order(
        order_id="O1",
        client_order_id="c1",
        account="a",
        symbol="BTC-USD",
        side=Side.BUY,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=D(10),
        limit_price=D(100),
    )
    orders.emit(ev.OrderAccepted(order_id="O1", ts_ns=1, order=order))
    legs.add(order, "c1")
    return orders, legs, order


def snap(status: VenueStatus, filled: str | None = None, avg: str | None = None) -> VenueReport:
    return VenueReport(
        order=VenueOrder(
            client_id="c1",
            venue_order_id="V1",
            symbol="BTC-USD",
            side=Side.BUY,
            status=status,
            quantity=D(10),
            filled_quantity=None if filled is None else D(filled),
            average_price=None if avg is None else D(avg),
        )
    )


def fill(trade: str, qty: str, price: str = "100", cumulative: str | None = None) -> VenueReport:
    return VenueReport(
        fills=(
            VenueFill(
                client_id="c1",
                venue_order_id="V1",
                trade_id=trade,
                symbol="BTC-USD",
                side=Side.BUY,
                quantity=D(qty),
                price=D(price),
                cumulative=None if cumulative is None else D(cumulative),
            ),
        )
    )


def test_legs_first_report_acknowledges_with_the_venue_order_id(world) -> None:
    orders, legs, _ = world
    legs.apply(snap(VenueStatus.NEW, "0"))
    assert orders.orders["O1"].state is OrderState.NEW
    assert orders.orders["O1"].venue_order_id == "V1"


def test_legs_same_trade_id_twice_fills_once(world) -> None:
    orders, legs, _ = world
    legs.apply(fill("T1", "4"))
    legs.apply(fill("T1", "4"))
    assert [f.quantity for f in orders.fills] == [D(4)]


def test_legs_fill_already_covered_by_snapshot_cumulative_is_dropped(world) -> None:
    orders, legs, _ = world
    legs.apply(snap(VenueStatus.PARTIALLY_FILLED, "4", "100"))
    legs.apply(fill("T1", "4", cumulative="4"))
    assert orders.orders["O1"].filled_quantity == D(4)
    assert len(orders.fills) == 1


def test_legs_snapshot_ahead_of_fills_fills_the_gap_at_the_implied_price(world) -> None:
    orders, legs, _ = world
    legs.apply(fill("T1", "4", "100", cumulative="4"))
    legs.apply(snap(VenueStatus.PARTIALLY_FILLED, "6", "101"))
    missed = orders.fills[-1]
    assert missed.quantity == D(2)
    # 6 @ 101 = 606 in total; 4 @ 100 = 400 counted: the 2 missed went at 103.
    assert missed.price == D(103)
    assert orders.orders["O1"].average_fill_price == D(101)


def test_legs_fill_beyond_the_order_quantity_is_refused(world) -> None:
    orders, legs, _ = world
    legs.apply(fill("T1", "8"))
    legs.apply(fill("T2", "5"))
    assert orders.orders["O1"].filled_quantity == D(8)
    assert orders.orders["O1"].state is OrderState.PARTIALLY_FILLED


def test_legs_venue_cancel_after_partial_fill_cancels_with_fills_kept(world) -> None:
    orders, legs, _ = world
    legs.apply(snap(VenueStatus.CANCELED, "3", "100"))
    order = orders.orders["O1"]
    assert order.state is OrderState.CANCELED
    assert order.filled_quantity == D(3)


def test_legs_reports_during_placement_wait_for_its_answer(world) -> None:
    orders, legs, _ = world
    leg = legs.find("c1")
    assert leg is not None
    leg.placing = True
    legs.apply(fill("T1", "2", cumulative="2"))
    assert orders.fills == []
    legs.settle(leg)
    assert [f.quantity for f in orders.fills] == [D(2)]


def test_legs_report_for_an_order_we_did_not_place_is_kept_as_foreign(world) -> None:
    _, legs, _ = world
    foreign = VenueReport(
        order=VenueOrder(
            client_id="manual-1",
            venue_order_id="V9",
            symbol="BTC-USD",
            side=Side.SELL,
            status=VenueStatus.NEW,
            quantity=D(1),
        )
    )
    legs.apply(foreign)
    assert list(legs.foreign) == ["V9"]


def test_legs_fill_of_a_closed_and_pruned_order_is_recognised_not_foreign(world, caplog) -> None:
    orders, legs, _ = world
    legs.apply(snap(VenueStatus.NEW, "0"))
    legs.apply(fill("T1", "10", cumulative="10"))
    legs.prune()

    legs.apply(VenueReport(fills=(replace(fill("T1", "10").fills[0], client_id=""),)))

    assert len(orders.fills) == 1
    assert "venue_fill_foreign" not in caplog.text
