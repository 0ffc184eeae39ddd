"""The order state table and :func:`apply`, the only mutator of an order.

:func:`apply` takes an order and an event and returns the order after the
event with the exec type to report, or raises :class:`IllegalTransition` and
changes nothing. The table is ``(state, trigger) -> state``; ``_RESUME`` means
"back to working": NEW when nothing is filled, else PARTIALLY_FILLED.
"""

from __future__ import annotations

from typing import Final

from fillgate.domain import events as ev
from fillgate.domain.enums import ExecType, OrderState
from fillgate.domain.errors import IllegalTransition
from fillgate.domain.orders import Order
from fillgate.domain.values import exact_add, exact_mul

# Triggers: most events are their own trigger; a fill is PARTIAL or FULL by what it leaves.
_ACCEPT: Final = "accept"
_ACK: Final = "ack"
_PARTIAL: Final = "partial_fill"
_FULL: Final = "full_fill"
_TRIGGER: Final = "trigger"
_CANCEL_REQ: Final = "cancel_requested"
_CANCELED: Final = "canceled"
_CANCEL_REJ: Final = "cancel_rejected"
_REPLACE_REQ: Final = "replace_requested"
_REPLACED: Final = "replaced"
_REPLACE_REJ: Final = "replace_rejected"
_REJECTED: Final = "rejected"
_EXPIRED: Final = "expired"
_RELEASE: Final = "release"

TRIGGERS: Final = (
    _ACK,
    _PARTIAL,
    _FULL,
    _TRIGGER,
    _CANCEL_REQ,
    _CANCELED,
    _CANCEL_REJ,
    _REPLACE_REQ,
    _REPLACED,
    _REPLACE_REJ,
    _REJECTED,
    _EXPIRED,
    _RELEASE,
)

_RESUME: Final = "resume"

S = OrderState
TABLE: Final[dict[tuple[OrderState, str], OrderState | str]] = {
    (S.PENDING_NEW, _ACK): S.NEW,
    (S.PENDING_NEW, _PARTIAL): S.PARTIALLY_FILLED,  # the fill can overtake the ack on the wire
    (S.PENDING_NEW, _FULL): S.FILLED,  # likewise: a market order's fill before its ack
    (S.PENDING_NEW, _TRIGGER): S.PENDING_NEW,  # a stop may trigger on arrival, before the ack
    (S.PENDING_NEW, _CANCEL_REQ): S.PENDING_CANCEL,
    (S.PENDING_NEW, _CANCELED): S.CANCELED,
    (S.PENDING_NEW, _REJECTED): S.REJECTED,
    (S.PENDING_NEW, _EXPIRED): S.EXPIRED,  # IOC/FOK that found nothing, before its ack
    (S.NEW, _PARTIAL): S.PARTIALLY_FILLED,
    (S.NEW, _FULL): S.FILLED,
    (S.NEW, _TRIGGER): S.NEW,
    (S.NEW, _CANCEL_REQ): S.PENDING_CANCEL,
    (S.NEW, _CANCELED): S.CANCELED,  # unsolicited: the venue canceled on its own
    (S.NEW, _REPLACE_REQ): S.PENDING_REPLACE,
    (S.NEW, _EXPIRED): S.EXPIRED,
    (S.PARTIALLY_FILLED, _PARTIAL): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, _FULL): S.FILLED,
    (S.PARTIALLY_FILLED, _TRIGGER): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, _CANCEL_REQ): S.PENDING_CANCEL,
    (S.PARTIALLY_FILLED, _CANCELED): S.CANCELED,
    (S.PARTIALLY_FILLED, _REPLACE_REQ): S.PENDING_REPLACE,
    (S.PARTIALLY_FILLED, _EXPIRED): S.EXPIRED,
    (S.PENDING_CANCEL, _PARTIAL): S.PENDING_CANCEL,  # a fill races the cancel; it still stands
    (S.PENDING_CANCEL, _FULL): S.FILLED,  # the fill won the race: too late to cancel
    (S.PENDING_CANCEL, _TRIGGER): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, _CANCELED): S.CANCELED,
    (S.PENDING_CANCEL, _CANCEL_REJ): _RESUME,
    (S.PENDING_CANCEL, _EXPIRED): S.EXPIRED,
    (S.PENDING_REPLACE, _PARTIAL): S.PENDING_REPLACE,  # a fill races the replace
    (S.PENDING_REPLACE, _FULL): S.FILLED,
    (S.PENDING_REPLACE, _TRIGGER): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, _CANCELED): S.CANCELED,  # the venue may cancel instead of replacing
    (S.PENDING_REPLACE, _REPLACED): _RESUME,
    (S.PENDING_REPLACE, _REPLACE_REJ): _RESUME,
    (S.PENDING_REPLACE, _EXPIRED): S.EXPIRED,
    # A queued order is fillgate's alone: no venue knows it, so a cancel or a replace
    # completes at once, and a release that risk denies at the open rejects it.
    (S.QUEUED, _RELEASE): S.PENDING_NEW,
    (S.QUEUED, _CANCEL_REQ): S.QUEUED,  # records who asked; the cancel follows at once
    (S.QUEUED, _CANCELED): S.CANCELED,
    (S.QUEUED, _REPLACE_REQ): S.QUEUED,  # likewise for a replace
    (S.QUEUED, _REPLACED): S.QUEUED,
    (S.QUEUED, _REJECTED): S.REJECTED,
}
del S

_EXEC_TYPES: Final[dict[str, ExecType]] = {
    _ACCEPT: ExecType.PENDING_NEW,
    _ACK: ExecType.NEW,
    _PARTIAL: ExecType.TRADE,
    _FULL: ExecType.TRADE,
    _TRIGGER: ExecType.TRIGGERED,
    _CANCEL_REQ: ExecType.PENDING_CANCEL,
    _CANCELED: ExecType.CANCELED,
    _CANCEL_REJ: ExecType.CANCEL_REJECTED,
    _REPLACE_REQ: ExecType.PENDING_REPLACE,
    _REPLACED: ExecType.REPLACED,
    _REPLACE_REJ: ExecType.REPLACE_REJECTED,
    _REJECTED: ExecType.REJECTED,
    _EXPIRED: ExecType.EXPIRED,
    _RELEASE: ExecType.RELEASED,
}


def trigger_of(order: Order | None, event: ev.OrderEvent) -> str:
    """Return the table trigger an event means for ``order``."""
    kind = type(event)
    if kind is ev.OrderFilled:
        assert isinstance(event, ev.OrderFilled)
        if order is None:
            raise IllegalTransition("ORDER_UNKNOWN", f"fill for unknown order {event.order_id}")
        filled = exact_add(order.filled_quantity, event.quantity)
        return _FULL if filled == order.quantity else _PARTIAL
    try:
        return _TRIGGER_OF[kind]
    except KeyError:
        raise TypeError(f"not an order event: {kind.__name__}") from None


def exec_type_of(trigger: str) -> ExecType:
    return _EXEC_TYPES[trigger]


_WITH_REASON: Final = (
    ev.OrderCanceled,
    ev.OrderRejected,
    ev.OrderExpired,
    ev.OrderCancelRejected,
    ev.OrderReplaceRejected,
)


def _working(order: Order) -> OrderState:
    return OrderState.PARTIALLY_FILLED if order.filled_quantity else OrderState.NEW


def apply(order: Order | None, event: ev.OrderEvent) -> tuple[Order, ExecType]:
    """Return the order after ``event`` and the exec type it reports; raise if illegal."""
    if isinstance(event, ev.OrderAccepted | ev.OrderQueued):
        if order is not None:
            raise IllegalTransition(
                "ORDER_EXISTS",
                f"order {event.order_id} was already accepted",
                {"order_id": event.order_id},
            )
        queued = isinstance(event, ev.OrderQueued)  # held by fillgate while its market is closed
        return event.order, ExecType.QUEUED if queued else ExecType.PENDING_NEW
    if order is None:
        raise IllegalTransition(
            "ORDER_UNKNOWN",
            f"event for unknown order {event.order_id}",
            {"order_id": event.order_id},
        )
    trigger = trigger_of(order, event)
    target = TABLE.get((order.state, trigger))
    if target is None:
        raise IllegalTransition(
            "ILLEGAL_TRANSITION",
            f"order {order.order_id} in state {order.state.name} cannot take {trigger}",
            {"order_id": order.order_id, "state": order.state.name, "trigger": trigger},
        )
    changes: dict[str, object] = {"updated_ns": event.ts_ns}
    if isinstance(event, ev.OrderFilled):
        if event.quantity <= 0 or event.price <= 0:
            raise IllegalTransition(
                "BAD_FILL",
                f"fill of {event.quantity} at {event.price} is not positive",
                {"order_id": order.order_id},
            )
        filled = exact_add(order.filled_quantity, event.quantity)
        if filled > order.quantity:
            raise IllegalTransition(
                "OVERFILL",
                f"fill of {event.quantity} would overfill order {order.order_id}",
                {
                    "order_id": order.order_id,
                    "quantity": str(order.quantity),
                    "filled_quantity": str(order.filled_quantity),
                },
            )
        changes["filled_quantity"] = filled
        changes["filled_notional"] = exact_add(
            order.filled_notional, exact_mul(event.quantity, event.price)
        )
        changes["fees"] = exact_add(order.fees, event.fee)
    elif isinstance(event, ev.OrderAcknowledged):
        changes["venue_order_id"] = event.venue_order_id
    elif isinstance(event, ev.OrderTriggered):
        changes["triggered"] = True
    elif isinstance(event, ev.OrderReplaced):
        if event.quantity <= order.filled_quantity:
            raise IllegalTransition(
                "REPLACE_QUANTITY_TOO_SMALL",
                f"replace quantity {event.quantity} is not above filled {order.filled_quantity}",
                {"order_id": order.order_id},
            )
        changes.update(
            quantity=event.quantity,
            limit_price=event.limit_price,
            stop_price=event.stop_price,
            version=order.version + 1,
        )
        if event.venue_order_id:
            changes["venue_order_id"] = event.venue_order_id
    elif isinstance(event, _WITH_REASON):
        changes["reason"] = event.reason
    state = target if isinstance(target, OrderState) else _working(order)
    changes["state"] = state
    return order.evolve(changes), exec_type_of(trigger)


_TRIGGER_OF: Final[dict[type, str]] = {
    ev.OrderAcknowledged: _ACK,
    ev.OrderTriggered: _TRIGGER,
    ev.OrderCancelRequested: _CANCEL_REQ,
    ev.OrderCanceled: _CANCELED,
    ev.OrderCancelRejected: _CANCEL_REJ,
    ev.OrderReplaceRequested: _REPLACE_REQ,
    ev.OrderReplaced: _REPLACED,
    ev.OrderReplaceRejected: _REPLACE_REJ,
    ev.OrderRejected: _REJECTED,
    ev.OrderExpired: _EXPIRED,
    ev.OrderReleased: _RELEASE,
}
