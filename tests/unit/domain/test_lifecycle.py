"""The order state table: every allowed transition, and every forbidden one."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

import pytest

from fillgate.domain import events as ev
from fillgate.domain.enums import ExecType, OrderState, OrderType, Side, TimeInForce
from fillgate.domain.errors import IllegalTransition
from fillgate.domain.lifecycle import TABLE, TRIGGERS, apply
from fillgate.domain.orders import Order

QTY = Decimal(10)


def order_in(state: OrderState) -> Order:
    """An order of 10 in ``state``; partially filled states (and terminal FILLED) carry fills."""
    filled = {
        OrderState.PARTIALLY_FILLED: Decimal(4),
        OrderState.FILLED: QTY,
    }.get(state, Decimal(0))
    base = Order(
        order_id="O-1",
        client_order_id="c-1",
        account="a",
        symbol="S",
        side=Side.BUY,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=QTY,
        limit_price=Decimal(100),
        venue="paper",
    )
    return replace(base, state=state, filled_quantity=filled, filled_notional=filled * 100)


def event_for(trigger: str, order: Order) -> ev.OrderEvent:
    common = {"order_id": order.order_id, "ts_ns": 5}
    leaves = order.quantity - order.filled_quantity
    partial = Decimal(1) if leaves > 1 else Decimal("0.5")
    return {
        "ack": lambda: ev.OrderAcknowledged(**common, venue_order_id="V-1"),
        "partial_fill": lambda: ev.OrderFilled(
            **common, venue_exec_id="T-1", quantity=partial, price=Decimal(99), fee=Decimal(0)
        ),
        "full_fill": lambda: ev.OrderFilled(
            **common, venue_exec_id="T-2", quantity=leaves or QTY, price=Decimal(99), fee=Decimal(0)
        ),
        "trigger": lambda: ev.OrderTriggered(**common),
        "cancel_requested": lambda: ev.OrderCancelRequested(**common),
        "canceled": lambda: ev.OrderCanceled(**common, reason="asked"),
        "cancel_rejected": lambda: ev.OrderCancelRejected(**common, reason="too late"),
        "replace_requested": lambda: ev.OrderReplaceRequested(
            **common, quantity=Decimal(12), limit_price=Decimal(101), stop_price=None
        ),
        "replaced": lambda: ev.OrderReplaced(
            **common, quantity=Decimal(12), limit_price=Decimal(101), stop_price=None
        ),
        "replace_rejected": lambda: ev.OrderReplaceRejected(**common, reason="no"),
        "rejected": lambda: ev.OrderRejected(**common, reason="no funds"),
        "expired": lambda: ev.OrderExpired(**common, reason="day end"),
        "release": lambda: ev.OrderReleased(**common),
    }[trigger]()


ALLOWED = sorted(TABLE.items(), key=lambda kv: (kv[0][0], kv[0][1]))
FORBIDDEN = [
    (state, trigger)
    for state, trigger in itertools.product(OrderState, TRIGGERS)
    if (state, trigger) not in TABLE
]


@pytest.mark.parametrize(("key", "target"), ALLOWED, ids=[f"{s.name}-{t}" for (s, t), _ in ALLOWED])
def test_apply_allowed_transition_reaches_table_state(key, target):
    state, trigger = key
    before = order_in(state)
    after, exec_type = apply(before, event_for(trigger, before))
    if isinstance(target, OrderState):
        assert after.state is target
    else:  # back to working: NEW when nothing is filled, else PARTIALLY_FILLED
        expected = OrderState.PARTIALLY_FILLED if before.filled_quantity else OrderState.NEW
        assert after.state is expected
    assert after.updated_ns == 5
    assert exec_type is not ExecType.PENDING_NEW


@pytest.mark.parametrize(
    ("state", "trigger"), FORBIDDEN, ids=[f"{s.name}-{t}" for s, t in FORBIDDEN]
)
def test_apply_forbidden_transition_raises_and_changes_nothing(state, trigger):
    before = order_in(state)
    snapshot = replace(before)
    with pytest.raises(IllegalTransition):
        apply(before, event_for(trigger, before))
    assert before == snapshot


def test_table_every_terminal_state_has_no_way_out():
    terminal = {s for s in OrderState if s.is_terminal}
    assert not [key for key in TABLE if key[0] in terminal]


def test_apply_accepted_creates_pending_new_order():
    order = order_in(OrderState.PENDING_NEW)
    created, exec_type = apply(None, ev.OrderAccepted(order_id="O-1", ts_ns=1, order=order))
    assert created is order
    assert exec_type is ExecType.PENDING_NEW


def test_apply_accepted_twice_raises():
    order = order_in(OrderState.NEW)
    with pytest.raises(IllegalTransition):
        apply(order, ev.OrderAccepted(order_id="O-1", ts_ns=1, order=order))


def test_apply_event_for_unknown_order_raises():
    with pytest.raises(IllegalTransition):
        apply(None, ev.OrderAcknowledged(order_id="O-9", ts_ns=1, venue_order_id="V"))


def test_apply_fill_beyond_quantity_raises_overfill():
    order = order_in(OrderState.PARTIALLY_FILLED)
    fill = ev.OrderFilled(
        order_id="O-1",
        ts_ns=1,
        venue_exec_id="T",
        quantity=Decimal(7),
        price=Decimal(1),
        fee=Decimal(0),
    )
    with pytest.raises(IllegalTransition) as err:
        apply(order, fill)
    assert err.value.reason == "OVERFILL"


def test_apply_fills_accumulate_quantity_notional_fees_and_average():
    order = order_in(OrderState.NEW)
    for qty, px in ((Decimal(3), Decimal(100)), (Decimal(7), Decimal("101.5"))):
        order, exec_type = apply(
            order,
            ev.OrderFilled(
                order_id="O-1",
                ts_ns=2,
                venue_exec_id="T",
                quantity=qty,
                price=px,
                fee=Decimal("0.25"),
            ),
        )
        assert exec_type is ExecType.TRADE
    assert order.state is OrderState.FILLED
    assert order.filled_quantity == 10
    assert order.filled_notional == Decimal("1010.5")
    assert order.average_fill_price == Decimal("101.05")
    assert order.fees == Decimal("0.5")
    assert order.leaves_quantity == 0


def test_apply_replaced_sets_new_terms_and_bumps_version():
    order = order_in(OrderState.PENDING_REPLACE)
    after, exec_type = apply(order, event_for("replaced", order))
    assert (after.quantity, after.limit_price, after.version) == (12, 101, 1)
    assert exec_type is ExecType.REPLACED


def test_apply_replaced_below_filled_quantity_raises():
    order = replace(order_in(OrderState.PENDING_REPLACE), filled_quantity=Decimal(5))
    event = ev.OrderReplaced(
        order_id="O-1", ts_ns=1, quantity=Decimal(5), limit_price=None, stop_price=None
    )
    with pytest.raises(IllegalTransition):
        apply(order, event)
